// Command ferretdb-local runs FerretDB 1.x with its SQLite backend as the project's embedded
// MongoDB-wire store.
//
// It wraps the embeddable ferretdb package instead of installing FerretDB's own command:
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.x` yields a binary that panics at
// start because the module zip lacks build/version/version.txt (FerretDB issue 2982).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served on --debug-addr only
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteDir := flag.String("sqlite-dir", "data", "directory holding the SQLite databases")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	sqliteParams := flag.String("sqlite-params", "", "query of the SQLite URI, e.g. _pragma=synchronous(normal)")
	debugAddr := flag.String("debug-addr", "", "serve Go's pprof profiles on this address (off if empty)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if err := os.MkdirAll(*sqliteDir, 0o755); err != nil {
		fail(err)
	}

	if *debugAddr != "" {
		// where the store spends its CPU: go tool pprof http://ADDR/debug/pprof/profile
		go func() {
			if err := http.ListenAndServe(*debugAddr, nil); err != nil {
				logger.Error("debug handler stopped", "error", err)
			}
		}()
	}

	uri := "file:" + *sqliteDir + "/"
	if *sqliteParams != "" {
		uri += "?" + *sqliteParams
	}

	db, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: uri,
	})
	if err != nil {
		fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger.Info("ferretdb listening", "addr", *listen, "sqlite_dir", *sqliteDir)
	if err := db.Run(ctx); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb-local:", err)
	os.Exit(1)
}
