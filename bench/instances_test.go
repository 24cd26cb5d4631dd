package main

import (
	"errors"
	"io"
	"testing"
)

// -instances is refused where it cannot work, before anything is seeded.
func TestInstancesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want error // nil: any error
	}{
		{[]string{"-instances", "2"}, errInstancesSQLite},
		{[]string{"-instances", "0"}, nil},
		{[]string{"-instances", "2", "-database", "postgres://u@127.0.0.1/x", "-cpuprofile", "cpu"}, nil},
		{[]string{"-instances", "2", "-database", "postgres://u@127.0.0.1/x", "-webhooks"}, nil},
	} {
		err := run(t.Context(), tc.args, io.Discard, io.Discard)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("run %q = %v, want %v", tc.args, err, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1500: "1,500", 3000: "3,000", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
