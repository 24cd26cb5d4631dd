package egress

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// closeRecorder is a body that remembers being closed and how much of it
// was read.
type closeRecorder struct {
	r      io.Reader
	read   int64
	closed bool
}

func (c *closeRecorder) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestReadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int
		limit    int64
		wantLen  int
		wantRead int64 // bytes consumed, drained tail included
	}{
		{"empty", 0, 10, 0, 0},
		{"short", 5, 10, 5, 5},
		{"exact", 10, 10, 10, 10},
		{"long tail drained", 100, 10, 10, 100},
		{"huge tail drained up to the bound", 1 << 20, 1 << 10, 1 << 10, 1<<10 + drainLimit},
		{"default limit", 1 << 20, 0, DefaultMaxBody, DefaultMaxBody + drainLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := &closeRecorder{r: strings.NewReader(strings.Repeat("x", tt.size))}
			b, err := ReadBody(body, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != tt.wantLen {
				t.Errorf("len = %d, want %d", len(b), tt.wantLen)
			}
			if body.read != tt.wantRead {
				t.Errorf("consumed %d bytes, want %d", body.read, tt.wantRead)
			}
			if !body.closed {
				t.Error("body not closed")
			}
		})
	}
}

func TestReadBodyError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	body := &closeRecorder{r: io.MultiReader(strings.NewReader("abc"), &errReader{boom})}
	b, err := ReadBody(body, 10)
	if !errors.Is(err, boom) || string(b) != "abc" {
		t.Errorf("ReadBody = %q, %v; want \"abc\", %v", b, err, boom)
	}
	if !body.closed {
		t.Error("body not closed")
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }
