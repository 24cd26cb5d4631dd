package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// staticFiles serves the embedded style sheet, script and icons under names
// that carry a hash of their content (app.3f9c1e2a.css), so a browser may
// cache them for a year and still gets a new file the moment it changes.
// The plain names are served too, revalidated by ETag.
type staticFiles struct {
	byName map[string]*staticFile // hashed and plain names
	hashed map[string]string      // plain name → hashed name
}

type staticFile struct {
	body        []byte
	contentType string
	etag        string
	immutable   bool
}

func newStaticFiles(fsys fs.FS) *staticFiles {
	s := &staticFiles{byName: map[string]*staticFile{}, hashed: map[string]string{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		panic("web: read static files: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic("web: read static file: " + err.Error())
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:10]
		ext := path.Ext(name)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		hashedName := strings.TrimSuffix(name, ext) + "." + hash + ext
		etag := `"` + hash + `"`
		s.byName[name] = &staticFile{body: body, contentType: ctype, etag: etag}
		s.byName[hashedName] = &staticFile{body: body, contentType: ctype, etag: etag, immutable: true}
		s.hashed[name] = hashedName
	}
	return s
}

// url is the cache-busting URL of a static file, for templates.
func (s *staticFiles) url(name string) string {
	if h, ok := s.hashed[name]; ok {
		return "/static/" + h
	}
	return "/static/" + name
}

func (a *App) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := a.static.byName[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	if f.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}
