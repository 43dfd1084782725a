// Package demoapi is the HTTP API of the sessiontoken examples: login,
// a protected route, refresh with rotation and reuse detection, logout,
// logout everywhere, a privilege change (step-up) and a health check, with
// two demo users. [New] builds it from a [Config]; the result is an
// [http.Handler].
//
// examples/api serves it with keys and a revocation store chosen from its
// environment; examples/mobile serves it in-process with short lifetimes
// and a simulated clock. It is a demonstration, not a library: the users
// and their passwords are hard-coded.
//
// # Routes
//
//	POST /login       {"username","password"} → token response
//	POST /refresh     {"refresh_token"} → token response
//	GET  /me          the verified session (bearer token required)
//	GET  /admin       needs the admin role (alice gets it by step-up)
//	POST /logout      ends this session
//	POST /logout-all  ends every session of the user
//	POST /reissue     {"password"}: step-up, a new session with more roles
//	GET  /healthz     200 when requests can be authenticated, else 503
//
// A token response has the shape of an OAuth 2.0 token response (RFC 6749
// §5.1); errors are {"error","error_description"} with OAuth-style codes
// (invalid_credentials, invalid_grant, invalid_request,
// temporarily_unavailable, server_error).
package demoapi
