package property

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// callTimeout bounds every command of the till: no vmp call of the config the harness uses
// (operation_ms, recovery_ms a few seconds) may block this long; a hang is a failure.
const callTimeout = 60 * time.Second

// result is one answer line of tests/c/prop_till.c.
type result struct {
	Status string            // "VMP_OK", "VMP_ERR_UNKNOWN_OUTCOME", ...
	Fields map[string]string // ref, state, amount, captured, ...
	JSON   string            // pending and recover
	Msg    string            // vmp_last_error
	// Lost: the process died (was killed) before it answered.
	Lost bool
	Logs []string // the "logs" command's records
	// Seq numbers the answers of a process in the order they arrived.
	Seq int
}

// debugging: PROP_DEBUG=1 adds vmp_pending and the library's log records to a sequence's log.
var debugging = os.Getenv("PROP_DEBUG") != ""

func (r result) ok() bool { return r.Status == "VMP_OK" }

func (r result) num(key string) int64 {
	n, _ := strconv.ParseInt(r.Fields[key], 10, 64)
	return n
}

func (r result) String() string {
	if r.Lost {
		return "(no answer: the process died)"
	}
	var b strings.Builder
	b.WriteString(r.Status)
	for _, k := range []string{"ref", "state", "captured", "refunded", "cancelled"} {
		if v, ok := r.Fields[k]; ok {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	if r.Msg != "" {
		fmt.Fprintf(&b, " (%s)", r.Msg)
	}
	return b.String()
}

// command is a command sent to the till; started is closed when the till printed "ID start"
// (a money-moving call is about to run), done receives the answer.
type command struct {
	line      string
	started   chan struct{}
	startSeen bool     // guarded by the process's mu
	logs      []string // "logs": the records before the answer
	done      chan result
}

// wait returns the command's answer; after callTimeout it kills the process and reports a hang.
func (c *command) wait(p *process) (result, error) {
	select {
	case r := <-c.done:
		return r, nil
	case <-time.After(callTimeout):
		p.kill()
		return result{Lost: true}, fmt.Errorf("the till did not answer %q within %s", c.line, callTimeout)
	}
}

// process is one running prop_till.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer

	mu      sync.Mutex
	nextID  int
	pending map[string]*command
	exited  chan struct{} // closed when stdout reached EOF and the process was reaped
	// exitedAt: when it was reaped (set before exited is closed).
	exitedAt time.Time
	killed   bool
	// deathNoted: the harness has taken the process's death into its model (run.killed).
	deathNoted bool
}

// startProcess starts the till with extra environment variables and waits for "ready".
func startProcess(bin string, env []string) (*process, error) {
	p := &process{pending: map[string]*command{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go p.read(stdout, ready)
	select {
	case <-ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("the till exited before it was ready: %s", p.stderr.String())
	case <-time.After(callTimeout):
		p.kill()
		return nil, fmt.Errorf("the till was not ready within %s", callTimeout)
	}
}

func (p *process) read(stdout io.Reader, ready chan struct{}) {
	answers := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		id, rest, _ := strings.Cut(line, " ")
		if id == "ready" {
			close(ready)
			continue
		}
		p.mu.Lock()
		c := p.pending[id]
		if c != nil && strings.HasPrefix(rest, "log ") {
			c.logs = append(c.logs, strings.TrimPrefix(rest, "log "))
			p.mu.Unlock()
			continue
		}
		if c != nil && rest == "start" {
			if !c.startSeen {
				close(c.started)
				c.startSeen = true
			}
		} else if c != nil {
			delete(p.pending, id)
		}
		p.mu.Unlock()
		if c != nil && rest != "start" {
			res := parseResult(rest)
			res.Logs = c.logs
			answers++
			res.Seq = answers
			c.done <- res
		}
	}
	_ = p.cmd.Wait()
	// exited is closed before the commands still waiting are answered, and under mu, so a
	// command sent now is answered at once (send) and alive() is false once one is lost.
	p.mu.Lock()
	p.exitedAt = time.Now()
	close(p.exited)
	for id, c := range p.pending {
		c.done <- result{Lost: true}
		delete(p.pending, id)
	}
	p.mu.Unlock()
}

// parseResult reads "STATUS [key=value ...] [json=JSON] msg=TEXT".
func parseResult(s string) result {
	r := result{Fields: map[string]string{}}
	if i := strings.Index(s, " json="); i >= 0 {
		r.JSON = strings.TrimSuffix(s[i+len(" json="):], " msg=")
		s = s[:i] + " msg="
	}
	head, msg, _ := strings.Cut(s, " msg=")
	r.Msg = msg
	words := strings.Fields(head)
	if len(words) > 0 {
		r.Status = words[0]
	}
	for _, w := range words[1:] {
		if k, v, ok := strings.Cut(w, "="); ok {
			r.Fields[k] = v
		}
	}
	return r
}

// send sends one command; async runs it on a thread of its own in the till.
func (p *process) send(async bool, verb string, args ...string) *command {
	prefix := ""
	if async {
		prefix = "&"
	}
	return p.sendAs(prefix, verb, args...)
}

// sendPaired sends one of two commands that run at once: each on a thread of its own, and
// neither makes its vmp call before the other's thread is ready to make its own.
func (p *process) sendPaired(verb string, args ...string) *command {
	return p.sendAs("%", verb, args...)
}

func (p *process) sendAs(prefix, verb string, args ...string) *command {
	p.mu.Lock()
	p.nextID++
	id := strconv.Itoa(p.nextID)
	c := &command{started: make(chan struct{}), done: make(chan result, 1)}
	line := id + " " + verb
	if len(args) > 0 {
		line += " " + strings.Join(args, " ")
	}
	line = prefix + line
	c.line = line
	select {
	case <-p.exited:
		p.mu.Unlock()
		c.done <- result{Lost: true}
		return c
	default:
	}
	p.pending[id] = c
	p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		// The process is gone; read() answers every pending command as lost.
		_ = err
	}
	return c
}

// call sends a command and waits for its answer.
func (p *process) call(verb string, args ...string) (result, error) {
	return p.send(false, verb, args...).wait(p)
}

// kill ends the process with SIGKILL and waits until it is reaped.
func (p *process) kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// alive reports whether the process is still running.
func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// diedOfKill reports whether the process ended by SIGKILL (its own, at a journal commit, or ours).
func (p *process) diedOfKill() bool {
	<-p.exited
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// stop ends a till that is still running: stdin closed, it closes the client and exits.
func (p *process) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(callTimeout):
		p.kill()
	}
}
