package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Published is a live translation as readers see it: its live version and
// the article's metadata. Feeds, sitemaps and signatures read it too.
type Published struct {
	ArticleVersion
	Slug     string
	Kind     string
	Unit     string
	Featured bool
	// IssuedAt is the article's issue time; ArticleVersion.PublishedAt is
	// when this version went live (later for a correction).
	IssuedAt time.Time
}

// PublishedQuery selects live translations. Zero fields select everything.
type PublishedQuery struct {
	Lang     string // "" for every language
	Topic    string
	Country  string
	Featured bool // only featured articles
	Slug     string
	// Since keeps versions that went live at or after it.
	Since time.Time
	Limit int // 0 for no limit
	// Offset skips that many results, for pagination.
	Offset int
	// IncludeEmbargoed also returns articles whose issue time is still to
	// come (for re-indexing, never for readers).
	IncludeEmbargoed bool

	match func(arg func(any) string) string // extra condition (search)
	rank  func(arg func(any) string) string // relevance, best first (search)
	// noTotal skips counting (the total is then 0), for single lookups.
	noTotal bool
}

// ListPublished returns the live translations q selects, newest issue first,
// and how many there are in all (ignoring Limit and Offset).
func (db *DB) ListPublished(ctx context.Context, q PublishedQuery) ([]Published, int, error) {
	items, total, err := db.listPublished(ctx, db.sql, q)
	if err != nil {
		return nil, 0, wrap("list published", err)
	}
	return items, total, nil
}

func (db *DB) listPublished(ctx context.Context, qr querier, q PublishedQuery) ([]Published, int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"t.status = 'published'", "a.published_at IS NOT NULL"}
	if !q.IncludeEmbargoed {
		where = append(where, "a.published_at <= "+arg(db.nowUTC()))
	}
	if q.Lang != "" {
		where = append(where, "t.lang = "+arg(q.Lang))
	}
	if q.Slug != "" {
		where = append(where, "a.slug = "+arg(q.Slug))
	}
	if q.Topic != "" {
		where = append(where, "a.id IN (SELECT article_id FROM article_topics WHERE topic = "+arg(q.Topic)+")")
	}
	if q.Country != "" {
		where = append(where, "a.id IN (SELECT article_id FROM article_countries WHERE country = "+arg(q.Country)+")")
	}
	if q.Featured {
		where = append(where, "a.featured = "+arg(true))
	}
	if !q.Since.IsZero() {
		where = append(where, "v.published_at >= "+arg(dbTime(q.Since)))
	}
	if q.match != nil {
		where = append(where, q.match(arg))
	}
	from := `
		FROM articles a
		JOIN article_translations t ON t.article_id = a.id
		JOIN article_versions v ON v.article_id = t.article_id AND v.lang = t.lang AND v.version = t.live_version
		WHERE ` + strings.Join(where, " AND ")
	var total int
	if !q.noTotal {
		if err := qr.QueryRowContext(ctx, `SELECT count(*) `+from, args...).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	query := `SELECT a.id, a.slug, a.kind, a.unit, a.featured, a.published_at, v.lang, v.version, v.title, v.summary,
		v.body, v.images, v.note, v.published_at ` + from + ` ORDER BY `
	if q.rank != nil {
		query += q.rank(arg) + ", "
	}
	query += `a.published_at DESC, a.id DESC, v.lang`
	if q.Limit > 0 {
		query += " LIMIT " + arg(q.Limit) + " OFFSET " + arg(max(q.Offset, 0))
	}
	rows, err := qr.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Published
	for rows.Next() {
		var p Published
		var imgs string
		if err := rows.Scan(&p.ArticleID, &p.Slug, &p.Kind, &p.Unit, &p.Featured, &p.IssuedAt, &p.Lang, &p.Version,
			&p.Title, &p.Summary, &p.Body, &imgs, &p.Note, &p.PublishedAt); err != nil {
			return nil, 0, err
		}
		p.IssuedAt, p.PublishedAt = p.IssuedAt.UTC(), p.PublishedAt.UTC()
		if p.Images, err = decodeImages(imgs); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// GetPublished returns the live translation of the article slug in lang, or
// with version > 0 that earlier version of it, as long as the translation
// is live. It is ErrNotFound otherwise.
func (db *DB) GetPublished(ctx context.Context, slug, lang string, version int) (Published, error) {
	items, _, err := db.listPublished(ctx, db.sql, PublishedQuery{Slug: slug, Lang: lang, Limit: 1, noTotal: true})
	if err == nil && len(items) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Published{}, wrap(fmt.Sprintf("get published %s/%s", lang, slug), err)
	}
	p := items[0]
	if version > 0 && version != p.Version {
		if version > p.Version {
			return Published{}, wrap(fmt.Sprintf("get published %s/%s v%d", lang, slug, version), ErrNotFound)
		}
		v, err := db.version(ctx, db.sql, p.ArticleID, lang, version)
		if err != nil {
			return Published{}, wrap(fmt.Sprintf("get published %s/%s v%d", lang, slug, version), err)
		}
		p.ArticleVersion = v
	}
	return p, nil
}

// PublishedLangs lists the languages in which an article is live, for
// hreflang links and the "not available in this language" page.
func (db *DB) PublishedLangs(ctx context.Context, slug string) ([]string, error) {
	langs, err := db.strings(ctx, `
		SELECT t.lang FROM articles a JOIN article_translations t ON t.article_id = a.id
		WHERE a.slug = $1 AND t.status = 'published' AND a.published_at IS NOT NULL AND a.published_at <= $2
		ORDER BY t.lang`, slug, db.nowUTC())
	return langs, wrap("published languages", err)
}

// ArticleTags returns the topics and countries of an article.
func (db *DB) ArticleTags(ctx context.Context, articleID int64) (topics, countries []string, err error) {
	if topics, err = db.strings(ctx, `SELECT topic FROM article_topics WHERE article_id = $1 ORDER BY topic`, articleID); err != nil {
		return nil, nil, wrap("article tags", err)
	}
	if countries, err = db.strings(ctx, `SELECT country FROM article_countries WHERE article_id = $1 ORDER BY country`, articleID); err != nil {
		return nil, nil, wrap("article tags", err)
	}
	return topics, countries, nil
}

// PublishedTags lists the topics and the countries of the articles live in
// lang, for the portal's navigation.
func (db *DB) PublishedTags(ctx context.Context, lang string) (topics, countries []string, err error) {
	const live = `SELECT t.article_id FROM article_translations t JOIN articles a ON a.id = t.article_id
		WHERE t.lang = $1 AND t.status = 'published' AND a.published_at IS NOT NULL AND a.published_at <= $2`
	now := db.nowUTC()
	if topics, err = db.strings(ctx, `SELECT DISTINCT topic FROM article_topics WHERE article_id IN (`+live+`) ORDER BY topic`, lang, now); err != nil {
		return nil, nil, wrap("published tags", err)
	}
	if countries, err = db.strings(ctx, `SELECT DISTINCT country FROM article_countries WHERE article_id IN (`+live+`) ORDER BY country`, lang, now); err != nil {
		return nil, nil, wrap("published tags", err)
	}
	return topics, countries, nil
}

// Topic is a subject articles are filed under, named in each language.
type Topic struct {
	Slug  string
	Names map[string]string // language code → name
}

// SaveTopic creates or renames a topic.
func (db *DB) SaveTopic(ctx context.Context, t Topic) error {
	names, err := json.Marshal(t.Names)
	if err != nil {
		return fmt.Errorf("store: save topic: %w", err)
	}
	_, err = db.sql.ExecContext(ctx, `
		INSERT INTO topics (slug, names) VALUES ($1, $2)
		ON CONFLICT (slug) DO UPDATE SET names = excluded.names`, t.Slug, string(names))
	return wrap("save topic "+t.Slug, err)
}

// ListTopics returns every topic, by slug.
func (db *DB) ListTopics(ctx context.Context) ([]Topic, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT slug, names FROM topics ORDER BY slug`)
	if err != nil {
		return nil, wrap("list topics", err)
	}
	defer rows.Close()
	var out []Topic
	for rows.Next() {
		var t Topic
		var names string
		if err := rows.Scan(&t.Slug, &names); err != nil {
			return nil, wrap("list topics", err)
		}
		if err := json.Unmarshal([]byte(names), &t.Names); err != nil {
			return nil, wrap("list topics", err)
		}
		out = append(out, t)
	}
	return out, wrap("list topics", rows.Err())
}

// Media is an uploaded file, addressed by the hash of its content.
type Media struct {
	Hash        string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// SaveMedia stores data once: saving the same bytes again returns the
// existing file.
func (db *DB) SaveMedia(ctx context.Context, contentType string, data []byte) (Media, error) {
	sum := sha256.Sum256(data)
	m := Media{Hash: hex.EncodeToString(sum[:]), ContentType: contentType, Data: data, CreatedAt: db.nowUTC()}
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO media (hash, content_type, data, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hash) DO NOTHING`, m.Hash, m.ContentType, m.Data, m.CreatedAt)
	if err != nil {
		return Media{}, wrap("save media", err)
	}
	return db.GetMedia(ctx, m.Hash)
}

// GetMedia returns the file with the given hash.
func (db *DB) GetMedia(ctx context.Context, hash string) (Media, error) {
	m := Media{Hash: hash}
	err := db.sql.QueryRowContext(ctx, `SELECT content_type, data, created_at FROM media WHERE hash = $1`, hash).
		Scan(&m.ContentType, &m.Data, &m.CreatedAt)
	if err != nil {
		return Media{}, wrap("get media", err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}
