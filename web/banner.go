package web

import (
	"context"
	"sync"
	"time"

	"rdv"
)

// bannerTTL is how long an instance shows the banner it last read: a
// flood of page views reads the database once per bannerTTL, and every
// instance shows an operator's change within that time.
const bannerTTL = 2 * time.Second

// bannerCache keeps the last banner read from the settings store.
type bannerCache struct {
	mu      sync.Mutex
	b       rdv.Banner
	read    time.Time // when b was read; zero before the first read
	reading bool      // one request refreshes while the others use b
}

// banner returns the status banner, read again when the cached one is
// older than bannerTTL. While one request reads, the others show the
// banner they have; a failed read keeps the old banner and is retried
// after bannerTTL.
func (s *Server) banner(ctx context.Context) rdv.Banner {
	if s.d.Settings == nil {
		return rdv.Banner{}
	}
	c := &s.banners
	c.mu.Lock()
	if c.reading || (!c.read.IsZero() && time.Since(c.read) < bannerTTL) {
		b := c.b
		c.mu.Unlock()
		return b
	}
	c.reading = true
	c.mu.Unlock()

	// A page must not wait long on the banner: it is worth less than
	// the page itself.
	rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	b, err := s.d.Settings.Banner(rctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	c.read = time.Now()
	if err != nil {
		s.log.WarnContext(ctx, "status banner read failed; showing the last one", "err", err)
		return c.b
	}
	c.b = b
	return b
}

// setBannerCached makes this instance show b at once, after it was
// written to the store.
func (s *Server) setBannerCached(b rdv.Banner) {
	s.banners.mu.Lock()
	s.banners.b, s.banners.read = b, time.Now()
	s.banners.mu.Unlock()
}

// BannerText returns the banner's text in the page's language.
func (p *page) BannerText() string {
	if p.Lang == "en" && p.Banner.TextEN != "" {
		return p.Banner.TextEN
	}
	if p.Banner.TextFR != "" {
		return p.Banner.TextFR
	}
	return p.Banner.TextEN
}

// BannerLevel returns the banner's level for its CSS class.
func (p *page) BannerLevel() string {
	switch p.Banner.Level {
	case "warning", "critical":
		return p.Banner.Level
	}
	return "info"
}
