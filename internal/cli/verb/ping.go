package verb

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpkit/mcpkit/client"
)

// Ping measures round trips to the server count times, interval apart: ping in a legacy session,
// server/discover at 2026-07-28 (which has no ping). It prints one line per answer and, for more than
// one, the minimum, mean and maximum.
func Ping(ctx context.Context, s *client.Session, e *Env, count int, interval time.Duration) error {
	if count < 1 {
		count = 1
	}
	info := s.ServerInfo()
	var lo, hi, sum time.Duration
	for i := range count {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(interval):
			}
		}
		start := time.Now()
		if err := s.Ping(ctx); err != nil {
			return err
		}
		rtt := time.Since(start)
		if i == 0 || rtt < lo {
			lo = rtt
		}
		hi = max(hi, rtt)
		sum += rtt
		fmt.Fprintf(e.Out, "answer from %s %s (%s): time=%s\n", info.Name, info.Version, s.ProtocolVersion(), ms(rtt))
	}
	if count > 1 {
		fmt.Fprintf(e.Out, "%d answers: min %s, mean %s, max %s\n", count, ms(lo), ms(sum/time.Duration(count)), ms(hi))
	}
	return nil
}

// ms shows a duration in milliseconds with three decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
