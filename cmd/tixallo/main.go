// Command tixallo is the Tixallo help desk: one binary that serves the agent
// app and the public API, and the operator's commands around them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "tixallo:", err)
		}
		os.Exit(exitCode(err))
	}
}
