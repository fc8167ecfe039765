package child

import (
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var sink [][]byte

func TestReadCountsAllocations(t *testing.T) {
	before := Read(true)
	for range 1000 {
		sink = append(sink, make([]byte, 1024))
	}
	after := Read(true)
	d := after.Sub(before)
	if d.Mallocs < 1000 || d.Bytes < 1000*1024 {
		t.Errorf("delta %d allocations, %d bytes; want at least 1000 and 1 MiB", d.Mallocs, d.Bytes)
	}
	if d.Heap < 1000*1024 {
		t.Errorf("live heap grew by %d bytes while 1 MiB is held", d.Heap)
	}
	if runtime.GOOS == "linux" && (after.RSS == 0 || after.PeakRSS < after.RSS) {
		t.Errorf("RSS %d, peak %d", after.RSS, after.PeakRSS)
	}
	sink = nil
}
