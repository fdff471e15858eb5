// Package pgtest starts a real PostgreSQL server (Debian's postgresql package) for a test, in a
// temporary folder, on 127.0.0.1 and a free port, and stops it at the test's end. PostgreSQL
// refuses to run as root, so as root (CI) the server runs as the user nobody. Without
// PostgreSQL installed the test fails pointing at make deps; it is skipped only when
// VMP_NO_INSTALL=1 says nothing may be installed.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL server of one test.
type Server struct {
	bin, dir, data string
	Port           int
	asNobody       bool
}

// Options tune Start.
type Options struct {
	// Durable keeps PostgreSQL's fsync on (benchmarks); tests run without it.
	Durable bool
}

// Bin is the folder of PostgreSQL's programs, "" when none is installed.
func Bin() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Slice(found, func(i, k int) bool { return version(found[i]) < version(found[k]) })
	if len(found) == 0 {
		return ""
	}
	return filepath.Dir(found[len(found)-1])
}

func version(pgctl string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return n
}

// Start starts a server for t and stops it when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := StartServer(opts)
	if err != nil {
		if strings.HasPrefix(err.Error(), "skip:") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartServer starts a server; Close stops it and removes its folder.
func StartServer(opts Options) (*Server, error) {
	bin := Bin()
	if bin == "" {
		if os.Getenv("VMP_NO_INSTALL") == "1" {
			return nil, fmt.Errorf("skip: PostgreSQL is not installed and VMP_NO_INSTALL=1 (make deps installs it)")
		}
		return nil, fmt.Errorf("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run make deps")
	}
	dir, err := os.MkdirTemp("", "vmp-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, data: filepath.Join(dir, "data"), asNobody: os.Geteuid() == 0}
	if s.asNobody {
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		if err := exec.Command("chown", "nobody:nogroup", dir).Run(); err != nil {
			return nil, fmt.Errorf("chown of the PostgreSQL folder to nobody: %w", err)
		}
	}
	if out, err := s.run("initdb", "-D", s.data, "-U", "vmp", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		s.remove()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	conf := "listen_addresses = '127.0.0.1'\nunix_socket_directories = '" + dir + "'\nmax_connections = 100\n"
	if !opts.Durable {
		conf += "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
	}
	if err := appendFile(filepath.Join(s.data, "postgresql.conf"), conf); err != nil {
		s.remove()
		return nil, err
	}
	if s.Port, err = freePort(); err != nil {
		s.remove()
		return nil, err
	}
	if err := s.Restart(); err != nil {
		s.remove()
		return nil, err
	}
	return s, nil
}

// ConnString connects to database db (created with CreateDatabase; "postgres" always exists).
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("postgres://vmp@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// CreateDatabase creates an empty database.
func (s *Server) CreateDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// Stop stops the server (fast shutdown: connections are cut).
func (s *Server) Stop() error {
	out, err := s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Restart starts the server (again) on its port.
func (s *Server) Restart() error {
	out, err := s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "60",
		"-o", "-p "+strconv.Itoa(s.Port), "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	return nil
}

// Close stops the server and removes its folder.
func (s *Server) Close() {
	_, _ = s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "-t", "30", "stop")
	s.remove()
}

func (s *Server) remove() { _ = os.RemoveAll(s.dir) }

// run runs one of PostgreSQL's programs, as nobody when this process is root.
func (s *Server) run(program string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, program)
	var cmd *exec.Cmd
	if s.asNobody {
		cmd = exec.Command("runuser", append([]string{"-u", "nobody", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "HOME="+s.dir)
	return cmd.CombinedOutput()
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
