package web_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// A tiny CSS-selector subset for asserting on pages: compound selectors of
// a tag, #id, .class, [attr] and [attr=value] (value unquoted or in double
// quotes, no spaces), joined by spaces for descendants.
//
//	find(doc, `tr[data-test=ticket-row] a[data-test=ticket-link]`)

type simpleSel struct {
	tag     string
	id      string
	classes []string
	attrs   [][2]string // name, value ("\x00" = any value)
}

func parseCompound(s string) simpleSel {
	var sel simpleSel
	i := 0
	readName := func() string {
		j := i
		for j < len(s) && !strings.ContainsRune("#.[", rune(s[j])) {
			j++
		}
		name := s[i:j]
		i = j
		return name
	}
	sel.tag = readName()
	for i < len(s) {
		switch s[i] {
		case '#':
			i++
			sel.id = readName()
		case '.':
			i++
			sel.classes = append(sel.classes, readName())
		case '[':
			j := strings.IndexByte(s[i:], ']')
			inner := s[i+1 : i+j]
			i += j + 1
			name, val, ok := strings.Cut(inner, "=")
			if !ok {
				val = "\x00"
			}
			sel.attrs = append(sel.attrs, [2]string{name, strings.Trim(val, `"`)})
		default:
			panic("bad selector " + s)
		}
	}
	return sel
}

func (sel simpleSel) match(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if sel.tag != "" && n.Data != sel.tag {
		return false
	}
	if sel.id != "" && attr(n, "id") != sel.id {
		return false
	}
	for _, c := range sel.classes {
		if !hasClass(n, c) {
			return false
		}
	}
	for _, a := range sel.attrs {
		v, ok := attrOK(n, a[0])
		if !ok || (a[1] != "\x00" && v != a[1]) {
			return false
		}
	}
	return true
}

// findAll returns the elements under root matching the selector, in
// document order.
func findAll(root *html.Node, selector string) []*html.Node {
	parts := strings.Fields(selector)
	current := []*html.Node{root}
	for _, p := range parts {
		sel := parseCompound(p)
		seen := map[*html.Node]bool{}
		var next []*html.Node
		for _, c := range current {
			walk(c, func(n *html.Node) {
				if n != c && sel.match(n) && !seen[n] {
					seen[n] = true
					next = append(next, n)
				}
			})
		}
		current = next
	}
	return current
}

// find returns the first match, or nil.
func find(root *html.Node, selector string) *html.Node {
	if all := findAll(root, selector); len(all) > 0 {
		return all[0]
	}
	return nil
}

// must returns the first match or fails the test.
func must(t *testing.T, root *html.Node, selector string) *html.Node {
	t.Helper()
	n := find(root, selector)
	if n == nil {
		t.Fatalf("no element matches %q", selector)
	}
	return n
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attrOK(n *html.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, name string) string {
	v, _ := attrOK(n, name)
	return v
}

func hasClass(n *html.Node, c string) bool {
	for _, f := range strings.Fields(attr(n, "class")) {
		if f == c {
			return true
		}
	}
	return false
}

// text is the text content of n, with runs of white space collapsed.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	walk(n, func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
			b.WriteByte(' ')
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestSelectorHelper(t *testing.T) {
	t.Parallel()
	doc, err := html.Parse(strings.NewReader(`<div id="a" class="x y"><p data-test="row" data-n="1"><a href="/1">one</a></p><p data-test="row" data-n="2"><a href="/2">two</a></p></div><span class="x">s</span>`))
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]int{
		"#a": 1, ".x": 2, "div.x.y": 1, "p[data-test=row]": 2, `p[data-n="2"] a`: 1, "[data-n]": 2,
		"div a": 2, "span a": 0, "p.x": 0, "#a p a[href=/1]": 1,
	} {
		if got := len(findAll(doc, sel)); got != want {
			t.Errorf("%q: %d matches, want %d", sel, got, want)
		}
	}
	if got := text(find(doc, `p[data-n=2]`)); got != "two" {
		t.Errorf("text = %q", got)
	}
}
