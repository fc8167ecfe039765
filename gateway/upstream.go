package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/proxy"
)

// upstream is one configured upstream and the goroutine that keeps it connected (run): connect, serve its
// entries through a proxy on the gateway's server, notice the loss, remove the entries, pause, retry.
type upstream struct {
	g   *Gateway
	cfg Upstream
	ns  *namespace

	cancel   context.CancelFunc
	done     chan struct{} // closed when run returns
	firstTry chan struct{} // closed when the first connection attempt has finished
	once     sync.Once

	mu       sync.Mutex
	p        *proxy.Proxy // the connected proxy, nil when not connected
	state    State
	err      error
	era      string
	since    time.Time
	connects int
}

func (g *Gateway) newUpstream(cfg Upstream, sep string) *upstream {
	return &upstream{
		g: g, cfg: cfg,
		ns:       &namespace{name: cfg.Name, sep: sep, allow: cfg.Allow, deny: cfg.Deny, log: g.log},
		done:     make(chan struct{}),
		firstTry: make(chan struct{}),
		state:    StateConnecting,
		since:    time.Now(),
	}
}

// start runs the upstream's goroutine.
func (u *upstream) start() {
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	go func() {
		defer close(u.done)
		u.run(ctx)
	}()
}

// stop ends the goroutine and waits for it: the session is closed and the entries removed.
func (u *upstream) stop() {
	u.cancel()
	<-u.done
}

// proxy returns the connected proxy, or an error naming the upstream when it is not connected.
func (u *upstream) proxy() (*proxy.Proxy, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.p == nil {
		if u.err != nil {
			return nil, fmt.Errorf("gateway: upstream %q is not connected (%s: %v)", u.cfg.Name, u.state, u.err)
		}
		return nil, fmt.Errorf("gateway: upstream %q is not connected (%s)", u.cfg.Name, u.state)
	}
	return u.p, nil
}

func (u *upstream) status() UpstreamStatus {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := UpstreamStatus{Name: u.cfg.Name, State: u.state, Version: u.era, Since: u.since, Connects: u.connects}
	if u.err != nil {
		s.Error = u.err.Error()
	}
	return s
}

func (u *upstream) set(state State, p *proxy.Proxy, era string, err error) {
	if err != nil {
		err = redacted(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.state, u.p, u.era, u.err, u.since = state, p, era, err, time.Now()
}

// run keeps the upstream connected until ctx ends.
func (u *upstream) run(ctx context.Context) {
	defer u.once.Do(func() { close(u.firstTry) })
	o := &u.g.opts
	pause := o.MinBackoff
	for {
		connected := u.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			pause = o.MinBackoff
		}
		// Jitter: a pause drawn from [pause/2, pause], so that upstreams lost together do not retry together.
		d := pause/2 + rand.N(pause/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !connected {
			pause = min(2*pause, o.MaxBackoff)
		}
		u.set(StateConnecting, nil, "", u.status().errOr())
	}
}

// errOr returns the status's error as an error value (nil when none).
func (s UpstreamStatus) errOr() error {
	if s.Error == "" {
		return nil
	}
	return errors.New(s.Error)
}

// session makes one connection and serves it until it is lost or ctx ends; it says whether it connected.
func (u *upstream) session(ctx context.Context) bool {
	g, o := u.g, &u.g.opts
	p := proxy.New(g.srv.Info().Name, g.srv.Info().Version, &proxy.Options{
		Shared: g.srv,
		Names: proxy.Names{
			Tool:        u.ns.tool,
			Prompt:      u.ns.prompt,
			URI:         u.ns.uri,
			UpstreamURI: u.ns.upstreamURI,
		},
		CallTimeout: u.cfg.Timeout,
		Roots:       o.Roots,
		Label:       u.cfg.Name,
		Logger:      g.log,
	})
	dctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	sess, err := u.cfg.Dial(dctx, p.ClientOptions(client.Options{ClientInfo: o.ClientInfo, Logger: g.log,
		Middleware: o.UpstreamMiddleware, HandlerMiddleware: o.UpstreamHandlerMiddleware}))
	var held []string
	if err == nil {
		// Routable before Attach registers the entries, so that an entry a client can see has its owner
		// for completion and subscriptions. The URIs to subscribe again are taken before: a subscription
		// made once it is routable subscribes it itself, and must not be sent twice (resubscribe).
		held = g.heldURIs(u.cfg.Name)
		u.set(StateUp, p, sess.ProtocolVersion(), nil)
		if err = p.Attach(dctx, sess); err != nil {
			_ = sess.Close()
		}
	}
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("gateway: connecting to an upstream failed", "upstream", u.cfg.Name, "err", redacted(err))
			u.set(StateDown, nil, "", fmt.Errorf("connecting: %w", err))
		}
		u.once.Do(func() { close(u.firstTry) })
		return false
	}
	u.mu.Lock()
	u.connects++
	u.mu.Unlock()
	u.once.Do(func() { close(u.firstTry) })
	if caps := sess.ServerCapabilities(); caps.Extensions[mcp.ExtensionSkills] != nil {
		g.log.Info("gateway: the upstream declares skills, which the gateway does not forward (its SKILL.md files are served as resources)", "upstream", u.cfg.Name)
	}
	g.resubscribe(ctx, u, p, held)

	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- p.Run(runCtx) }()
	lost := u.watch(ctx, p, sess)
	stopRun()
	<-runDone
	// Routing stops first, then the session closes (a stdio child stops), then the entries go
	// (list_changed). Closing first ends what the proxy still asks the upstream (a refresh's tools/list
	// holds the proxy's sync lock, which Detach takes): an upstream that hangs would otherwise hold Detach,
	// and so this goroutine, Apply and Close, for as long as it hangs.
	if ctx.Err() == nil {
		g.log.Warn("gateway: lost an upstream; its entries are removed until it reconnects", "upstream", u.cfg.Name, "err", redacted(lost))
		u.set(StateDown, nil, "", lost)
	} else {
		u.set(StateDown, nil, "", errors.New("stopped"))
	}
	_ = sess.Close()
	p.Detach()
	return true
}

// watch waits until the session is lost (its stream ended, or a ping failed) or ctx ends, and says why.
func (u *upstream) watch(ctx context.Context, p *proxy.Proxy, sess *client.Session) error {
	o := &u.g.opts
	tick := time.NewTicker(o.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sess.Done():
			return errors.New("the upstream closed the connection")
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, o.PingTimeout)
			err := p.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("ping failed: %w", err)
			}
		}
	}
}

// redacted is err's text with the credentials of the URLs in it masked (proxy.RedactURLs): a connection
// error names the upstream's URL, and the gateway shows it in Status (`mcpkit gateway`'s /readyz, open to
// anyone who reaches the port), in the errors its clients get while the upstream is down, and in its log.
func redacted(err error) error {
	return errors.New(proxy.RedactURLs(err.Error()))
}
