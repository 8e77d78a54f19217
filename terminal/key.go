package terminal

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"tepat"
)

// KeyFile is what `tepat terminal register --key-out` writes for the
// terminal simulator: the terminal's id, its merchant, its private key
// (the 32-byte Ed25519 seed, base64) and the server's public key to check
// receipts with. It is secret: written with mode 0600.
type KeyFile struct {
	Terminal        string `json:"terminal"`
	Merchant        string `json:"merchant"`
	PrivateKey      string `json:"private_key"`
	ServerPublicKey string `json:"server_public_key"`
}

// Key returns the terminal's private key.
func (k KeyFile) Key() (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(k.PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "kunci privat terminal %s tidak valid", k.Terminal)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ServerKey returns the server's public key.
func (k KeyFile) ServerKey() (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(k.ServerPublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "kunci publik server pada berkas kunci %s tidak valid", k.Terminal)
	}
	return ed25519.PublicKey(raw), nil
}

// WriteKeyFile writes k to path with mode 0600, refusing to overwrite.
func WriteKeyFile(path string, k KeyFile) error {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_DAPAT_DITULIS", "berkas kunci %s tidak dapat ditulis: %v", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadKeyFile reads a key file written by WriteKeyFile.
func ReadKeyFile(path string) (KeyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return KeyFile{}, tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "berkas kunci %s tidak terbaca", path)
	}
	var k KeyFile
	if err := json.Unmarshal(b, &k); err != nil || !ValidTerminalID(k.Terminal) {
		return KeyFile{}, tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "berkas kunci %s tidak valid", path)
	}
	if _, err := k.Key(); err != nil {
		return KeyFile{}, err
	}
	return k, nil
}

// NewKeyFile generates a key pair for terminal id and returns its key file
// and public key.
func NewKeyFile(id, merchant string, server ed25519.PublicKey) (KeyFile, ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return KeyFile{}, nil, fmt.Errorf("generate key: %w", err)
	}
	return KeyFile{Terminal: id, Merchant: merchant,
		PrivateKey:      base64.StdEncoding.EncodeToString(priv.Seed()),
		ServerPublicKey: base64.StdEncoding.EncodeToString(server)}, pub, nil
}
