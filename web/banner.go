package web

import (
	"context"
	"time"

	"rdv"
)

// bannerTTL is how long an instance shows the banner it last read: a
// flood of page views reads the database once per bannerTTL, and every
// instance shows an operator's change within that time.
const bannerTTL = 2 * time.Second

// banner returns the status banner, read again when the cached one is
// older than bannerTTL. While one request reads, the others show the
// banner they have; a failed read keeps the old banner and is retried
// after bannerTTL.
func (s *Server) banner(ctx context.Context) rdv.Banner {
	return s.banners.get(ctx, bannerTTL, s.d.Store.Banner, s.log, "status banner read failed; showing the last one")
}

// setBannerCached makes this instance show b at once, after it was
// written to the store.
func (s *Server) setBannerCached(b rdv.Banner) {
	s.banners.set(b)
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
