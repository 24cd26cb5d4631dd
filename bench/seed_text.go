package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// textGen makes the text of tickets and messages, deterministically from a seed.
type textGen struct{ rng *rand.Rand }

func newTextGen(seed uint64) textGen {
	return textGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// subject makes a support-ticket subject line.
func (s textGen) subject() string {
	return fmt.Sprintf("%s %s %s", pick(s.rng, subjectStarts), pick(s.rng, subjectThings), pick(s.rng, subjectEnds))
}

// paragraphs makes n paragraphs of roughly lo..hi words each, from a small
// vocabulary (the text only has to have the size and shape of real text).
func (s textGen) paragraphs(n, lo, hi int) string {
	var b strings.Builder
	for p := range n {
		if p > 0 {
			b.WriteString("\n\n")
		}
		words := lo + s.rng.IntN(hi-lo+1)
		for w := range words {
			word := pick(s.rng, vocabulary)
			if w == 0 {
				word = strings.ToUpper(word[:1]) + word[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(word)
			if w == words-1 || s.rng.IntN(12) == 0 {
				b.WriteByte('.')
				if w < words-1 {
					b.WriteString(" " + strings.ToUpper(pick(s.rng, vocabulary)[:1]))
					b.WriteString(pick(s.rng, vocabulary)[1:])
				}
			}
		}
	}
	return b.String()
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

type weight[T any] struct {
	v T
	w int
}

func weighted[T any](r *rand.Rand, ws []weight[T]) T {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

var (
	statuses = []weight[helpdesk.Status]{
		{helpdesk.StatusNew, 15}, {helpdesk.StatusOpen, 25}, {helpdesk.StatusPending, 15}, {helpdesk.StatusClosed, 45},
	}
	priorities = []weight[helpdesk.Priority]{
		{helpdesk.PriorityLow, 20}, {helpdesk.PriorityMedium, 50}, {helpdesk.PriorityHigh, 22}, {helpdesk.PriorityUrgent, 8},
	}
	sources = []weight[helpdesk.Source]{
		{helpdesk.SourceEmail, 60}, {helpdesk.SourceAPI, 25}, {helpdesk.SourceWeb, 15},
	}
	firstNames      = []string{"Ada", "Bo", "Chidi", "Dana", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Noor", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tomoko", "Uma", "Vikram", "Wen", "Yara", "Zeno"}
	lastNames       = []string{"Almeida", "Becker", "Chen", "Diallo", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Santos", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zhang"}
	companySuffixes = []string{"GmbH", "Ltd", "Inc", "Labs", "Studio", "Logistics", "Retail", "Health", "Foods", "Systems"}
	subjectStarts   = []string{"Cannot", "Problem with", "Question about", "Refund for", "Error when", "Help with", "Unable to", "Feedback on", "Urgent:", "Re:"}
	subjectThings   = []string{"invoice", "login", "password reset", "order", "shipment", "subscription", "export", "API key", "billing address", "mobile app", "dashboard", "integration"}
	subjectEnds     = []string{"since yesterday", "after the update", "for our team", "on checkout", "in Firefox", "again", "please", "#2", "(customer waiting)", "today"}
	vocabulary      = strings.Fields(`account order invoice payment the a to and of we our your is was not please thanks
		hello team support issue error page button click screen update version browser phone email address
		delivery package tracking refund subscription plan upgrade downgrade cancel renew login password
		reset link expired working broken slow fast again still since yesterday today morning customer
		colleague manager report export import file attached screenshot number reference could would should
		help understand explain check confirm resolve problem question request change setting option data`)
)
