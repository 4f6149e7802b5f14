// Command advent builds the SysAdvent site and proves that its tutorials still work.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sysadvent/advent/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C cancels ctx and advent cleans up; a second one
	// stops it at once.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
