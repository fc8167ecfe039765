// Package benchchild runs a benchmark's server in a child process — the test binary run again as one of
// its own tests — so that the server's CPU time is measured apart from the client's. The parent starts the
// child (Start), reads the line the child prints first (its URL and whatever else it announces) and asks
// it for measurements over its stdin (Ask); the child (Serve) answers each line of its stdin and stops at
// the end of it. It is for benchmarks in _test.go files and imports only the standard library.
package benchchild

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Child is a running child process of a benchmark.
type Child struct {
	b   testing.TB
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// Start runs this test binary again with -test.run=^test$ and env added to the environment; name names
// the case in profile file names: with MCPKIT_BENCH_CHILD_CPUPROFILE=f (or …_MEMPROFILE) the child
// writes its profile to f.<name>. The caller stops the child with Stop (defer it: a benchmark function
// runs several times, each with a child of its own).
func Start(b testing.TB, test, name string, env ...string) *Child {
	b.Helper()
	args := []string{"-test.run=^" + test + "$", "-test.count=1"}
	if prof := os.Getenv("MCPKIT_BENCH_CHILD_CPUPROFILE"); prof != "" {
		args = append(args, "-test.cpuprofile="+prof+"."+name)
	}
	if prof := os.Getenv("MCPKIT_BENCH_CHILD_MEMPROFILE"); prof != "" {
		args = append(args, "-test.memprofile="+prof+"."+name)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return &Child{b: b, cmd: cmd, in: in, out: bufio.NewScanner(out)}
}

// Line returns the next line the child printed; a child that printed none fails the benchmark.
func (c *Child) Line() string {
	c.b.Helper()
	if !c.out.Scan() {
		c.b.Fatalf("child: no answer (%v)", c.out.Err())
	}
	return c.out.Text()
}

// Ask sends the child one line and returns its answer.
func (c *Child) Ask(query string) string {
	c.b.Helper()
	fmt.Fprintln(c.in, query)
	return c.Line()
}

// Stop closes the child's stdin, which ends it, and waits for it (killed after 10 s).
func (c *Child) Stop() {
	c.in.Close()
	done := make(chan error, 1)
	go func() {
		for c.out.Scan() { // the test framework's last words
		}
		done <- c.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// Serve is the child's side: it prints hello, then answers each line of its stdin with answer() until
// its stdin ends.
func Serve(hello string, answer func() string) {
	fmt.Println(hello)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(answer())
	}
}
