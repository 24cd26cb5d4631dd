//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package storecopy

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// shmDeadManSwitch is the byte of the WAL index (the -shm file) on which
// SQLite's unix VFS keeps a shared lock for as long as a connection has the
// database open in WAL mode (UNIX_SHM_DMS in os_unix.c), which Tixallo's
// stores always use.
const shmDeadManSwitch = 128

// shmProbe asks whether another process has the database open: F_GETLK
// reports whether a write lock on the dead-man-switch byte would conflict,
// and POSIX locks never conflict with the asking process's own, so what it
// finds is a server or a CLI command running beside this one.
//
// Closing any descriptor of a file drops every POSIX lock the process holds
// on it, SQLite's included. So a probe is either opened and closed before
// this process opens the database, or held open until after it has closed
// it.
type shmProbe struct{ f *os.File } // nil f: there was no WAL index

func newProbe(path string) (*shmProbe, error) {
	f, err := os.Open(path + "-shm")
	if errors.Is(err, fs.ErrNotExist) {
		return &shmProbe{}, nil // nobody has the file open in WAL mode
	}
	if err != nil {
		return nil, err
	}
	return &shmProbe{f: f}, nil
}

func (p *shmProbe) held() (bool, error) {
	if p.f == nil {
		return false, nil
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: shmDeadManSwitch, Len: 1}
	if err := syscall.FcntlFlock(p.f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false, err
	}
	return lk.Type != syscall.F_UNLCK, nil
}

func (p *shmProbe) close() {
	if p.f != nil {
		p.f.Close()
	}
}
