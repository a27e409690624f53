// The stand-in's Kubernetes API with an upstream (-kube-upstream): every request the small mux does not
// serve itself (Node objects, kube-system's mirror pods, /version: the simulated cluster's state) goes to
// a real API server, so discovery, OpenAPI, CRDs and custom resources are the real kube-apiserver's.
// The upstream usually runs outside the test's network namespace: -kube-upstream-socket names a Unix
// socket (a file, reachable from any namespace) that a bridge outside connects to the upstream's port;
// TLS is still checked against the upstream's CA and its URL's host. Each proxied request is recorded
// in <dir>/kube-proxy.jsonl (method, path, query, status): what the clients sent, never a body.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

type kubeUpstream struct {
	url, ca, cert, key, socket string
}

func (k kubeUpstream) handler(dir string) (http.Handler, error) {
	u, err := url.Parse(k.url)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("-kube-upstream %q: want https://host:port", k.url)
	}
	caPEM, err := os.ReadFile(k.ca)
	if err != nil {
		return nil, fmt.Errorf("-kube-upstream-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("-kube-upstream-ca %s: no certificate", k.ca)
	}
	pair, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		return nil, fmt.Errorf("-kube-upstream-cert/-key: %w", err)
	}
	transport := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
		IdleConnTimeout:   30 * time.Second,
	}
	if k.socket != "" {
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", k.socket)
		}
	}
	journal, err := os.Create(filepath.Join(dir, "kube-proxy.jsonl"))
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	record := func(r *http.Request, status int, errText string) {
		entry := map[string]any{"t": time.Now().UnixMilli(), "method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "status": status}
		if errText != "" {
			entry["error"] = errText
		}
		b, _ := json.Marshal(entry)
		mu.Lock()
		defer mu.Unlock()
		journal.Write(append(b, '\n'))
	}
	return &httputil.ReverseProxy{
		Rewrite: func(p *httputil.ProxyRequest) {
			p.SetURL(u)
			p.Out.Host = u.Host
		},
		Transport: transport,
		// watches stream: pass every chunk on at once
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			record(resp.Request, resp.StatusCode, "")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			record(r, http.StatusBadGateway, err.Error())
			http.Error(w, fmt.Sprintf(`{"kind":"Status","status":"Failure","message":"talos-api-standin: upstream Kubernetes API: %v","code":502}`, err), http.StatusBadGateway)
		},
	}, nil
}
