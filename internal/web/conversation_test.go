package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The conversation is written in Go (conversation.go), not by a template:
// every piece of text must still arrive escaped, as text.
func TestConversationEscapesText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup(`Eve "<b>" O'Hara`, "eve@example.com", "Escapes")
	const desc = `<script>alert("d")</script> & <b>bold</b>`
	p := b.submit(b.get("/tickets/new"), "#new-ticket-form", map[string]string{
		"subject": "Escaping", "description": desc, "customer_email": "x@example.com", "customer_name": `"><img src=x onerror=alert(1)>`,
	}, "#create-ticket-submit").wantStatus(http.StatusOK)
	const reply = "</div><script>alert('r')</script>\nsecond line"
	p = b.submit(p, "#reply-form", map[string]string{"body": reply}, "#send-reply").wantStatus(http.StatusOK)
	p = b.submit(p, "#reply-form", map[string]string{"body": "<i>note</i>"}, "#add-note").wantStatus(http.StatusOK)
	checkPage(t, "ticket with markup in its text", p)

	conv := p.must("#conversation")
	if n := len(findAll(conv, "script")) + len(findAll(conv, "img")) + len(findAll(conv, "b")) + len(findAll(conv, "i")); n != 0 {
		t.Fatalf("%d elements injected into the conversation", n)
	}
	msgs := p.findAll(`#conversation article[data-test=message]`)
	if len(msgs) != 3 {
		t.Fatalf("%d entries, want 3", len(msgs))
	}
	for i, want := range []struct{ kind, author, body string }{
		{"description", `"><img src=x onerror=alert(1)>`, desc},
		{"public", `Eve "<b>" O'Hara`, reply},
		{"note", `Eve "<b>" O'Hara`, "<i>note</i>"},
	} {
		m := msgs[i]
		if got := attr(m, "data-kind"); got != want.kind {
			t.Errorf("entry %d: kind %q, want %q", i, got, want.kind)
		}
		if got := textRaw(must(t, m, "[data-test=message-author]")); got != want.author {
			t.Errorf("entry %d: author %q, want %q", i, got, want.author)
		}
		if got := textRaw(must(t, m, "[data-test=message-body]")); got != want.body {
			t.Errorf("entry %d: body %q, want %q", i, got, want.body)
		}
		if !strings.HasPrefix(attr(m, "id"), "m-") {
			t.Errorf("entry %d: id %q", i, attr(m, "id"))
		}
	}
	if find(msgs[2], "[data-test=note-label] svg") == nil {
		t.Error("the note label lost its lock icon")
	}
	if find(msgs[1], "time[datetime]") == nil {
		t.Error("no <time> in the reply")
	}
}
