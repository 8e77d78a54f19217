package terminal

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"tepat"
)

// DefaultSyncBatch is the number of entries Sync uploads at once unless
// told otherwise.
const DefaultSyncBatch = 500

// maxManifestAnswer bounds what RequestManifest reads: a manifest lists
// every family reserved for the terminal.
const maxManifestAnswer = 64 << 20

// ReasonNoProgress: the server keeps answering a last sequence number
// below what was sent, even after the entries after it were sent again.
const ReasonNoProgress = "SINKRON_TIDAK_MAJU"

// SyncSummary is what a Sync did: Uploads requests carrying Sent entries
// (resent ones counted again), the server's Applied and Duplicates summed
// over the answers, every conflict reported (once per seq and code), and
// LastSeq and Pending of the last answer. LastSeq equals the log's last
// sequence number when the server holds every entry.
type SyncSummary struct {
	Terminal   string          `json:"terminal"`
	Uploads    int             `json:"uploads"`
	Sent       int             `json:"sent"`
	Applied    int             `json:"applied"`
	Duplicates int             `json:"duplicates"`
	Conflicts  []EntryConflict `json:"conflicts"`
	LastSeq    int64           `json:"last_seq"`
	Logged     int64           `json:"logged"`
	Pending    int             `json:"pending"`
}

// Sync uploads the entries of t after t.Synced() to server in batches of
// at most batch entries (DefaultSyncBatch when batch ≤ 0, never more than
// MaxSyncEntries or MaxSyncBody) and records each answer's LastSeq with
// SetSynced before sending more. When an answer's LastSeq is below what
// was sent (the server misses an earlier entry, or took them out of
// order), Sync resumes from LastSeq+1; when that makes no progress twice
// in a row it stops with SINKRON_TIDAK_MAJU. It returns when the server
// holds the whole log. Conflicts are the server's decisions, not errors:
// they are listed in the summary. An error (network, refusal of the
// upload, an unreadable answer) returns the summary so far; what was
// recorded stays recorded, so Sync can simply be run again. hc defaults
// to http.DefaultClient.
func Sync(ctx context.Context, server string, t *OfflineTerminal, batch int, hc *http.Client) (SyncSummary, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	if batch <= 0 {
		batch = DefaultSyncBatch
	}
	batch = min(batch, MaxSyncEntries)
	url := strings.TrimRight(server, "/") + PathSync
	log := t.SignedEntries()
	sum := SyncSummary{Terminal: t.Terminal(), LastSeq: t.Synced(), Logged: int64(len(log)), Conflicts: []EntryConflict{}}
	type conflictKey struct {
		seq  int64
		code string
	}
	seen := map[conflictKey]bool{}
	stalled := 0
	for sum.LastSeq < int64(len(log)) {
		from := sum.LastSeq // entries log[from:] are not held
		up := Upload{Terminal: t.Terminal()}
		size := 64
		for i := from; i < int64(len(log)) && len(up.Entries) < batch; i++ {
			n := len(log[i].Body) + len(log[i].Signature) + 32
			if len(up.Entries) > 0 && size+n > MaxSyncBody {
				break
			}
			size += n
			up.Entries = append(up.Entries, log[i])
		}
		body, err := json.Marshal(up)
		if err != nil {
			return sum, err
		}
		ans, err := postJSON(ctx, hc, url, body, "", maxAnswer)
		if err != nil {
			return sum, err
		}
		var res SyncResult
		if json.Unmarshal(ans, &res) != nil || res.LastSeq < 0 || (res.Terminal != "" && res.Terminal != up.Terminal) {
			return sum, tepat.Reasonf(tepat.EINTERNAL, ReasonBadAnswer, "jawaban sinkron server tidak dapat dibaca")
		}
		sum.Uploads++
		sum.Sent += len(up.Entries)
		sum.Applied += res.Applied
		sum.Duplicates += res.Duplicates
		sum.Pending = res.Pending
		for _, c := range res.Conflicts {
			k := conflictKey{c.Seq, c.Code}
			if !seen[k] {
				seen[k] = true
				sum.Conflicts = append(sum.Conflicts, c)
			}
		}
		if err := t.SetSynced(res.LastSeq); err != nil {
			return sum, err
		}
		if res.LastSeq <= from {
			if stalled++; stalled >= 2 {
				sum.LastSeq = res.LastSeq
				return sum, Refuse(tepat.ECONFLICT, ReasonNoProgress,
					"server hanya memegang entri sampai nomor %d dan tidak mengambil entri berikutnya", res.LastSeq)
			}
		} else {
			stalled = 0
		}
		sum.LastSeq = res.LastSeq
	}
	return sum, nil
}

// RequestManifest signs req with the key file's terminal key and posts it
// to server's PathManifest, and returns the signed manifest body once it
// verifies with the key file's server key and is for this terminal and
// cycle (give it to LoadOffline). An empty Terminal is the key's, a zero
// Time now. A refusal is the server's code and detail as a *tepat.Error;
// an answer that does not verify is TANDA_TANGAN_TIDAK_SAH.
func RequestManifest(ctx context.Context, server string, key KeyFile, req ManifestRequest, hc *http.Client) ([]byte, error) {
	s, err := parseKey(key)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if req.Terminal == "" {
		req.Terminal = s.id
	}
	if req.Time.IsZero() {
		req.Time = time.Now()
	}
	req.Time = req.Time.UTC()
	if !req.ValidUntil.IsZero() {
		req.ValidUntil = req.ValidUntil.UTC()
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, Refuse(tepat.EINVALID, ReasonBadJSON, "permintaan manifes tidak dapat disandikan")
	}
	if _, err := DecodeManifestRequest(body); err != nil {
		return nil, err
	}
	ans, err := postJSON(ctx, hc, strings.TrimRight(server, "/")+PathManifest, body,
		Sign(s.key, ManifestRequestPrefix, body), maxManifestAnswer)
	if err != nil {
		return nil, err
	}
	m, err := OpenManifest(s.server, ans)
	if err != nil {
		return nil, err
	}
	if m.Terminal != req.Terminal || m.Cycle != req.Cycle {
		return nil, Refuse(tepat.EUNAUTHORIZED, ReasonBadReceipt, "manifes bukan untuk terminal %s siklus %d", req.Terminal, req.Cycle)
	}
	return ans, nil
}

// postJSON posts body (with the signature header when sig is not empty)
// and returns the 200 answer's body, or the refusal as a *tepat.Error.
func postJSON(ctx context.Context, hc *http.Client, url string, body []byte, sig string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, tepat.Reasonf(tepat.EINVALID, ReasonNetwork, "alamat server tidak valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "server tidak terjangkau", Err: err}
	}
	defer resp.Body.Close()
	ans, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "jawaban server terputus", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refusal(resp, ans)
	}
	if int64(len(ans)) > limit {
		return nil, tepat.Reasonf(tepat.EINTERNAL, ReasonBadAnswer, "jawaban server lebih dari %d byte", limit)
	}
	return ans, nil
}

// CloseManifest tells the server that t is done with its current manifest,
// once the server holds t's whole log: the terminal first marks the
// manifest closed locally (no payment can follow), then sends the signed
// close (PathManifestClose); the server returns the unspent allowance to
// normal use and answers the closed manifest as JSON. BELUM_SINKRON when
// entries are still to be synced.
func CloseManifest(ctx context.Context, server string, t *OfflineTerminal, hc *http.Client) ([]byte, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	last := int64(len(t.Entries()))
	if t.Synced() < last {
		return nil, Refuse(tepat.ECONFLICT, ReasonNotSynced, "server baru memegang %d dari %d entri: sinkronkan dulu", t.Synced(), last)
	}
	if err := t.MarkClosed(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(ManifestClose{Terminal: t.Terminal(), Manifest: t.Manifest().ID, LastSeq: last, Time: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	return postJSON(ctx, hc, strings.TrimRight(server, "/")+PathManifestClose, body, Sign(t.priv, ManifestClosePrefix, body), 1<<20)
}
