// Package proc runs the child processes of the speed tools (cmd/powerbench,
// cmd/powerload): powerregd built from this repository, nginx; on free
// loopback ports, waited for until they answer, stopped with SIGTERM.
package proc

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Child is a process a tool started; Stop ends it.
type Child struct {
	Name string
	Cmd  *exec.Cmd
	done chan error
}

// Start starts cmd, named name in errors.
func Start(name string, cmd *exec.Cmd) (*Child, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &Child{Name: name, Cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	return c, nil
}

// Stop sends SIGTERM and waits for the exit, killing the process after 15 s.
func (c *Child) Stop() {
	_ = c.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		_ = c.Cmd.Process.Kill()
		<-c.done
	}
}

// FreePort is a TCP port free on 127.0.0.1 now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is 127.0.0.1:<a free port>.
func FreeAddr() (string, error) {
	port, err := FreePort()
	return fmt.Sprintf("127.0.0.1:%d", port), err
}

// WithLog appends the tail of a log file to err, to show why a child failed.
func WithLog(err error, log string) error {
	b, _ := os.ReadFile(log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return fmt.Errorf("%w\n--- %s ---\n%s", err, log, b)
}

// WaitHTTP polls url until it answers 200, or c exits, or timeout.
func WaitHTTP(url string, c *Child, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("%s exited before answering: %v", c.Name, err)
		default:
		}
		if r, err := client.Get(url); err == nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer %s within %s", c.Name, url, timeout)
}

// BuildPowerregd builds cmd/powerregd into dir and returns the binary's
// path; it must run inside the repository (or pass a binary instead).
func BuildPowerregd(dir string, out io.Writer) (string, error) {
	bin := dir + "/powerregd"
	b := exec.Command("go", "build", "-o", bin, "github.com/powerreg/powerreg/cmd/powerregd")
	b.Stdout, b.Stderr = out, out
	if err := b.Run(); err != nil {
		return "", fmt.Errorf("go build powerregd (run from the repository, or pass --powerregd): %w", err)
	}
	return bin, nil
}
