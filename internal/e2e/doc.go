// Package e2e holds the end-to-end tests that drive the whole Tixallo server
// (the public API and the agent app, wired by internal/app exactly as
// `tixallo serve` wires them) from a real browser: Debian's Chromium through
// chromedp, on a loopback listener.
//
// The tests skip, saying why, only when no Chromium binary is found. With
// TIXALLO_SCREENSHOTS=dir set they also save a PNG of each main page of the
// app into dir; docs/screenshots/ holds the current set:
//
//	TIXALLO_SCREENSHOTS=$PWD/docs/screenshots go test ./internal/e2e -run TestScreenshots
package e2e
