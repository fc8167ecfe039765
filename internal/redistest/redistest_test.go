package redistest

import "testing"

func TestStartStop(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("the started server does not answer: %v", err)
	}
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatal("the server still answers after Stop")
	}
	s.Stop() // idempotent
	s.Restart(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("the restarted server does not answer on the same address: %v", err)
	}
}
