package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pool is a small pool of pgx connections. It exists because pgxpool pulls
// in a module the build does not carry; the store needs only acquire and
// release with an upper bound, a warm minimum and a health check of
// connections that sat idle (a backend terminated while the connection was
// idle is found before a query is sent on it, not after).
type pool struct {
	cfg    *pgx.ConnConfig
	idle   chan idleConn // connections ready for use
	tokens chan struct{} // one per connection that may still be opened

	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

type idleConn struct {
	conn  *pgx.Conn
	since time.Time
}

// pingIdleAfter is how long a connection may sit idle before it is checked
// with a round trip before use.
const pingIdleAfter = time.Second

func newPool(ctx context.Context, cfg *pgx.ConnConfig, maxConns, minConns int32) (*pool, error) {
	if maxConns <= 0 {
		maxConns = 16
	}
	if minConns > maxConns {
		minConns = maxConns
	}
	p := &pool{
		cfg:    cfg,
		idle:   make(chan idleConn, maxConns),
		tokens: make(chan struct{}, maxConns),
		done:   make(chan struct{}),
	}
	for range maxConns {
		p.tokens <- struct{}{}
	}
	for range minConns {
		<-p.tokens
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			p.tokens <- struct{}{}
			p.close()
			return nil, err
		}
		p.idle <- idleConn{c, time.Now()}
	}
	return p, nil
}

var errPoolClosed = errors.New("connection pool closed")

// acquire returns a connection, waiting while all are in use.
func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	for {
		var ic idleConn
		select {
		case ic = <-p.idle:
		default:
			select {
			case ic = <-p.idle:
			case <-p.tokens:
				c, err := pgx.ConnectConfig(ctx, p.cfg)
				if err != nil {
					p.tokens <- struct{}{}
					return nil, fmt.Errorf("connect: %w", err)
				}
				return c, nil
			case <-p.done:
				return nil, errPoolClosed
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if ic.conn.IsClosed() || (time.Since(ic.since) > pingIdleAfter && ic.conn.Ping(ctx) != nil) {
			p.discard(ic.conn)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		return ic.conn, nil
	}
}

// release returns a connection to the pool, or closes it when it is broken
// or left inside a transaction.
func (p *pool) release(c *pgx.Conn) {
	p.mu.Lock()
	if !p.closed && !c.IsClosed() && c.PgConn().TxStatus() == 'I' {
		// Never blocks: the channel holds as many as may be open.
		p.idle <- idleConn{c, time.Now()}
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.discard(c)
}

func (p *pool) discard(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
	p.tokens <- struct{}{}
}

// close closes the idle connections; connections in use are closed as they
// are released.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	for {
		select {
		case ic := <-p.idle:
			p.discard(ic.conn)
		default:
			return
		}
	}
}
