package main

import (
	"log/slog"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/sso"
	"github.com/mofa-vn/chancery/internal/store"
)

// routeSSO serves single sign-on when -oidc-issuer is set, and offers it
// on the sign-in page of pages.
func routeSSO(mux *httpx.Router, cfg config.OIDC, db *store.DB, svc *auth.Service, pages *auth.Handlers, kit *httpx.Kit,
	log *slog.Logger, publicURL string) error {
	if !cfg.On() {
		return nil
	}
	secret, err := cfg.Secret()
	if err != nil {
		return err
	}
	roles := map[string][]account.Role{}
	for group, names := range cfg.Mapping() {
		for _, n := range names {
			roles[group] = append(roles[group], account.Role(n)) // checked by config.Validate
		}
	}
	h, err := sso.New(sso.Params{
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: secret, Name: cfg.Name,
		RolesClaim: cfg.RolesClaim, RoleMap: roles, TrustedAMR: cfg.AMR(), TrustedACR: cfg.ACR(),
		DB: db, Auth: svc, Pages: pages, Kit: kit, Log: log.With("component", "sso"), Now: svc.Now, PublicURL: publicURL,
	})
	if err != nil {
		return err
	}
	pages.SSOName = h.Name()
	h.Routes(mux)
	return nil
}
