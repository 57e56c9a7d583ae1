package sfu_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// joinWith joins with client options; the token's role skips the lobby.
func joinWith(t *testing.T, e *env, identity string, o sfuclient.Options) *sfuclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, e.token(identity, sfu.RoleChair), o)
	if err != nil || m.Type != sfu.TypeWelcome {
		t.Fatalf("join %s: %+v %v", identity, m, err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestTURNRelayOnly(t *testing.T) {
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true,
		TURN: sfu.TURNConfig{UDPAddr: "127.0.0.1:0", Host: "127.0.0.1", RelayIP: "127.0.0.1", Realm: "chancery", Secret: "turn-secret-for-tests"}})
	alice := e.join("alice", sfu.RoleChair, nil)
	ice := alice.Welcome.ICEServers
	if len(ice) != 1 || len(ice[0].URLs) != 1 || !strings.HasPrefix(ice[0].URLs[0], "turn:127.0.0.1:") || ice[0].Username == "" || ice[0].Credential == nil {
		t.Fatalf("ice servers = %+v", ice)
	}
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	// Bob may only use relayed candidates: media reaches him through the
	// embedded TURN server or not at all.
	rb := newReceiver()
	bob := joinWith(t, e, "bob", sfuclient.Options{OnTrack: rb.onTrack, ICEServers: ice, RelayOnly: true})
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 15*time.Second, "audio over TURN", func() bool { return rb.count(mic.ID) > 20 })
	// Wrong credentials get no allocation.
	bad := ice[0]
	bad.Credential = "wrong"
	rc := newReceiver()
	carol := joinWith(t, e, "carol", sfuclient.Options{OnTrack: rc.onTrack, ICEServers: []webrtc.ICEServer{bad}, RelayOnly: true})
	trackOf(t, carol, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	time.Sleep(2 * time.Second)
	if n := rc.count(mic.ID); n != 0 {
		t.Errorf("relay with a wrong password carried %d packets", n)
	}
}

func TestICEOverTCP(t *testing.T) {
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", Loopback: true})
	alice := e.join("alice", sfu.RoleChair, nil)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	rb := newReceiver()
	bob := joinWith(t, e, "bob", sfuclient.Options{OnTrack: rb.onTrack, TCPOnly: true})
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 15*time.Second, "audio over ICE-TCP", func() bool { return rb.count(mic.ID) > 20 })
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// dir and returns their paths and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "turn.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// A subscriber that may only use relayed candidates and only reaches the
// TURN server over TLS still receives the media: through TURN/TLS.
func TestTURNOverTLSRelayOnly(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true,
		TURN: sfu.TURNConfig{TLSAddr: "127.0.0.1:0", Host: "127.0.0.1", RelayIP: "127.0.0.1", Realm: "chancery",
			Secret: "turn-secret-for-tests", CertFile: certFile, KeyFile: keyFile}})
	alice := e.join("alice", sfu.RoleChair, nil)
	ice := alice.Welcome.ICEServers
	if len(ice) != 1 || len(ice[0].URLs) != 1 || !strings.HasPrefix(ice[0].URLs[0], "turns:127.0.0.1:") || !strings.HasSuffix(ice[0].URLs[0], "?transport=tcp") {
		t.Fatalf("ice servers = %+v", ice)
	}
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	rb := newReceiver()
	bob := joinWith(t, e, "bob", sfuclient.Options{OnTrack: rb.onTrack, ICEServers: ice, RelayOnly: true,
		TURNTLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 15*time.Second, "audio over TURN/TLS", func() bool { return rb.count(mic.ID) > 20 })
	// The pair carrying it uses a relayed candidate reached over TLS.
	var relay []string
	for _, s := range bob.Sub.GetStats() {
		if c, ok := s.(webrtc.ICECandidateStats); ok && c.Type == webrtc.StatsTypeLocalCandidate {
			relay = append(relay, c.CandidateType.String()+"/"+c.RelayProtocol)
		}
	}
	if len(relay) == 0 || !allEqual(relay, "relay/tls") {
		t.Errorf("local candidates = %v, want only relay/tls", relay)
	}

	// A client that does not trust the certificate gets no relay at all.
	rc := newReceiver()
	carol := joinWith(t, e, "carol", sfuclient.Options{OnTrack: rc.onTrack, ICEServers: ice, RelayOnly: true,
		TURNTLS: &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}})
	trackOf(t, carol, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	time.Sleep(2 * time.Second)
	if n := rc.count(mic.ID); n != 0 {
		t.Errorf("relay with an untrusted certificate carried %d packets", n)
	}
}

func allEqual(xs []string, want string) bool {
	for _, x := range xs {
		if x != want {
			return false
		}
	}
	return true
}
