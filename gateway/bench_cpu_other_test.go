//go:build !unix

package gateway_test

import "time"

// processCPU is not measured here: the CPU view of BenchmarkGateway is left out.
func processCPU() time.Duration { return 0 }
