package servicetest

import (
	"errors"
	"strings"
	"testing"
)

func TestRetryStopsAtFirstSuccess(t *testing.T) {
	calls := 0
	got := Retry(t, func() (int, error) {
		calls++
		if calls < 3 {
			return 0, errors.New("port taken")
		}
		return 42, nil
	})
	if got != 42 || calls != 3 {
		t.Fatalf("Retry returned %d after %d calls, want 42 after 3", got, calls)
	}
}

func TestWaitReadyReportsAnExitWithItsOutput(t *testing.T) {
	p, err := Start("/bin/sh", "-c", "echo cannot bind; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitReady("sh", func() error { return errors.New("not listening") })
	if err == nil || !strings.Contains(err.Error(), "sh exited") || !strings.Contains(err.Error(), "cannot bind") {
		t.Fatalf("WaitReady = %v, want the exit and the output", err)
	}
	p.Kill() // idempotent after the exit
}

func TestKillStopsARunningProcess(t *testing.T) {
	p, err := Start("/bin/sh", "-c", "sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady("sh", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	select {
	case <-p.Done():
	default:
		t.Fatal("Kill returned before the process exited")
	}
}

func TestFreePortIsOnLoopback(t *testing.T) {
	port, err := FreePort()
	if err != nil || port <= 0 || port > 65535 {
		t.Fatalf("FreePort = %d, %v", port, err)
	}
}
