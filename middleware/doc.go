// Package middleware authenticates net/http requests with the session
// tokens of this module. Create a [Middleware] with [New], giving it the
// token verifier (a *token.Codec) and the revocation store, then wrap
// protected handlers with [Middleware.Require] and read the session with
// [SessionFrom]:
//
//	mw, err := middleware.New(middleware.Config{Verifier: codec, Revocations: store})
//	mux.Handle("GET /me", mw.Require(me))
//	mux.Handle("DELETE /users/{id}", mw.RequireRoles("admin")(deleteUser))
//
//	func me(w http.ResponseWriter, r *http.Request) {
//		sess, _ := middleware.SessionFrom(r.Context())
//		fmt.Fprintln(w, sess.Subject)
//	}
//
// Require, [Middleware.Optional], [Middleware.RequireRoles],
// [Middleware.RequireAnyRole] and [Middleware.RequireScopes] are method
// values of type func(http.Handler) http.Handler (or return one), so they
// plug into http.ServeMux, chi's r.Use and r.With, gorilla/mux's Use, or
// any chain.
//
// # Where the token comes from
//
// From the "Authorization: Bearer <token>" header (RFC 6750 §2.1): the
// scheme in any case, one or more spaces, exactly one b64token, at most
// Config.MaxTokenLength bytes. Several Authorization headers, an empty
// token, a second token or any other character is a 400 invalid_request.
// A header with another scheme (Basic, …) counts as no token. Tokens in the
// query string or a form body are never read: URLs end up in logs,
// browser history and Referer headers.
//
// With Config.CookieTransport, browsers may send the token in a cookie
// instead, written by [Middleware.SetCookie] and removed by
// [Middleware.ClearCookie] (HttpOnly, Secure, SameSite=Lax or Strict,
// Path=/, "__Host-session" by default). A request with both a bearer header
// and the cookie is refused (400, RFC 6750 §3.1). In cookie mode an unsafe
// request (POST, PUT, PATCH, DELETE, …) authenticated by the cookie is
// refused with 403 when Sec-Fetch-Site or Origin shows it came from
// another origin (cross-site request forgery); see Config.TrustedOrigins.
//
// # Answers
//
// No token: 401 with `WWW-Authenticate: Bearer realm="api"` and no error
// code. Invalid, expired or revoked token: 401 with
// error="invalid_token". Malformed credentials: 400 error="invalid_request".
// Missing role or scope: 403 error="insufficient_scope" with scope="…".
// Cross-origin cookie request: 403. Revocation store unavailable: 503 with
// Retry-After, never 401, so that an outage does not log users out. Each
// error response has a small JSON body such as {"error":"invalid_token"},
// Content-Type application/json and Cache-Control no-store. The detailed
// cause goes only to the Config.Logger and the Config.Hook.
//
// # Security model
//
// Every token that verifies is checked against the revocation store; a
// store error fails closed (503). A nil store is refused by New unless
// Config.InsecureSkipRevocationCheck says so by name. Logs and hook
// events never contain a token or a full session ID (token.SessionID
// prints shortened). The middleware checks what the token says, not what
// the user may do now: roles come from the token and change only when a
// new token is issued (see the root package's Reissue).
//
// # Observability
//
// A [Hook] sees every decision as an [Event]: accepted, anonymous, or
// rejected with a [Reason], and the revocation store's latency. [Counter]
// counts them with atomic counters.
//
// # Performance
//
// An accepted request costs the verifier's work, one revocation check and
// two allocations of the middleware's own (the request context holding the
// claims, and the request copy that carries it); rejected requests pay for
// their log record and error. A Middleware is safe for concurrent use.
package middleware
