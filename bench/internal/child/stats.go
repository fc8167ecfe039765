package child

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// Stats are one process's counters at one moment.
type Stats struct {
	// Mallocs and TotalAlloc are runtime.MemStats' cumulative allocation counts and bytes.
	Mallocs    uint64 `json:"mallocs"`
	TotalAlloc uint64 `json:"totalAlloc"`
	// HeapAlloc and StackInuse are live heap bytes and goroutine stack bytes (after a GC when asked).
	HeapAlloc  uint64 `json:"heapAlloc"`
	StackInuse uint64 `json:"stackInuse"`
	NumGC      uint32 `json:"numGC"`
	Goroutines int    `json:"goroutines"`
	// RSS and PeakRSS are the resident set now and its high-water mark (VmRSS, VmHWM), in bytes.
	RSS     uint64 `json:"rss"`
	PeakRSS uint64 `json:"peakRSS"`
	// CPU is the process's user plus system time.
	CPU time.Duration `json:"cpu"`
}

// Read returns this process's counters. gc collects garbage first (twice, so finalizers run), for
// figures about live memory.
func Read(gc bool) Stats {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s := Stats{
		Mallocs:    m.Mallocs,
		TotalAlloc: m.TotalAlloc,
		HeapAlloc:  m.HeapAlloc,
		StackInuse: m.StackInuse,
		NumGC:      m.NumGC,
		Goroutines: runtime.NumGoroutine(),
	}
	s.RSS, s.PeakRSS = readRSS()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

// readRSS reads VmRSS and VmHWM from /proc/self/status (0 where unavailable).
func readRSS() (rss, peak uint64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			continue
		}
		switch string(f[0]) {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// Delta is what happened between two Stats of the same process.
type Delta struct {
	Mallocs, Bytes uint64
	CPU            time.Duration
	// Live heap, stack and goroutine changes (meaningful when both Stats were read with gc).
	Heap, Stack int64
	Goroutines  int
	PeakRSS     uint64
}

// Sub returns s - before.
func (s Stats) Sub(before Stats) Delta {
	return Delta{
		Mallocs:    s.Mallocs - before.Mallocs,
		Bytes:      s.TotalAlloc - before.TotalAlloc,
		CPU:        s.CPU - before.CPU,
		Heap:       int64(s.HeapAlloc) - int64(before.HeapAlloc),
		Stack:      int64(s.StackInuse) - int64(before.StackInuse),
		Goroutines: s.Goroutines - before.Goroutines,
		PeakRSS:    s.PeakRSS,
	}
}
