// Package recording writes the recording of a conference room: every track
// as it arrives, without decoding (Opus in Ogg, VP8 in WebM, H.264 as an
// Annex B stream), each in its own file (each language channel too: one
// continuous track whoever interprets), and a JSON manifest of the
// tracks, their start offsets, the participants, the languages, the active
// speakers and the floor's turns (who spoke when, in which language). A
// Recorder implements sfu.Recorder; a Manager starts and stops the rooms'
// recordings (sfu.RecordControl), closes them at shutdown, and keeps their
// record in a Catalog (the database, through package conference).
//
// Files are written so that a crash leaves each one playable up to the
// crash: the writers keep no buffer in the process (each Ogg page and WebM
// frame is written to the file when it is complete), the files are synced
// to disk at a regular interval, and the manifest is replaced atomically
// (written to a temporary file, synced, renamed) each time it changes.
// Disk space is checked as packets arrive; below the configured minimum the
// recorder stops writing and calls its OnLow hook once.
//
// The package must not import the store, internal/conference or cmd/:
// those use it.
package recording
