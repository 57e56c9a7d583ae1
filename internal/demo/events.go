package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// demoEvent is the demo's multilingual conference.
const demoEvent = "asean-digital-diplomacy-forum-2026"

var demoEventTexts = map[string][2]string{
	"vi": {"Diễn đàn Ngoại giao số ASEAN 2026", "Hội nghị trực tuyến và trực tiếp tại Hà Nội về ngoại giao số, an ninh mạng và chuyển đổi số trong khu vực."},
	"en": {"ASEAN Digital Diplomacy Forum 2026", "A hybrid conference in Ha Noi on digital diplomacy, cybersecurity and the region's digital transformation."},
	"fr": {"Forum de la diplomatie numérique de l’ASEAN 2026", "Conférence hybride à Hanoï sur la diplomatie numérique, la cybersécurité et la transformation numérique de la région."},
	"es": {"Foro de Diplomacia Digital de la ASEAN 2026", "Conferencia híbrida en Hanói sobre diplomacia digital, ciberseguridad y la transformación digital de la región."},
	"ru": {"Форум цифровой дипломатии АСЕАН 2026", "Гибридная конференция в Ханое о цифровой дипломатии, кибербезопасности и цифровой трансформации региона."},
	"zh": {"2026年东盟数字外交论坛", "在河内举行的线上线下结合会议，主题为数字外交、网络安全和地区数字化转型。"},
	"ar": {"منتدى الآسيان للدبلوماسية الرقمية 2026", "مؤتمر هجين في هانوي حول الدبلوماسية الرقمية والأمن السيبراني والتحول الرقمي في المنطقة."},
}

var demoSessions = []struct {
	kind      string
	day, hour int
	hours     int
	titles    map[string]string
	agenda    []map[string]string
}{
	{store.SessionPlenary, 0, 9, 2, map[string]string{
		"vi": "Phiên toàn thể khai mạc", "en": "Opening plenary", "fr": "Séance plénière d’ouverture", "es": "Sesión plenaria de apertura",
		"ru": "Пленарное заседание открытия", "zh": "开幕全体会议", "ar": "الجلسة العامة الافتتاحية"},
		[]map[string]string{
			{"vi": "Thông qua chương trình nghị sự", "en": "Adoption of the agenda", "fr": "Adoption de l’ordre du jour", "es": "Aprobación del orden del día",
				"ru": "Утверждение повестки дня", "zh": "通过议程", "ar": "إقرار جدول الأعمال"},
			{"vi": "Phát biểu khai mạc", "en": "Opening statements", "fr": "Déclarations liminaires", "es": "Declaraciones de apertura",
				"ru": "Вступительные заявления", "zh": "开幕致辞", "ar": "البيانات الافتتاحية"},
		}},
	{store.SessionWorking, 0, 14, 3, map[string]string{
		"vi": "Phiên làm việc: an ninh mạng khu vực", "en": "Working session: regional cybersecurity", "fr": "Séance de travail : cybersécurité régionale",
		"es": "Sesión de trabajo: ciberseguridad regional", "ru": "Рабочее заседание: региональная кибербезопасность", "zh": "工作会议：地区网络安全",
		"ar": "جلسة عمل: الأمن السيبراني الإقليمي"},
		[]map[string]string{
			{"vi": "Chia sẻ thông tin về sự cố", "en": "Sharing information on incidents", "fr": "Partage d’informations sur les incidents",
				"es": "Intercambio de información sobre incidentes", "ru": "Обмен информацией об инцидентах", "zh": "事件信息共享", "ar": "تبادل المعلومات بشأن الحوادث"},
		}},
}

// loadEvent creates the demo conference once: texts in every language,
// two sessions with their rooms, chaired by the demo chair, organised by
// the demo protocol officer, and a released timetable.
func loadEvent(ctx context.Context, db *store.DB, now time.Time) error {
	if _, err := db.GetEventBySlug(ctx, demoEvent); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("demo: event: %w", err)
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return fmt.Errorf("demo: event: %w", err)
	}
	day := now.In(loc).AddDate(0, 0, 7)
	first := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	at := func(d, h int) time.Time { return first.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	const wall = "2006-01-02T15:04"
	e := store.Event{Slug: demoEvent, Zone: loc.String(), StartsAt: at(0, 9), EndsAt: at(1, 17), StartLocal: at(0, 9).Format(wall),
		EndLocal: at(1, 17).Format(wall), Format: "hybrid", Public: true, Languages: []string{"vi", "en", "fr"}, SourceLang: "vi",
		Translations: map[string]store.EventTranslation{}}
	for code, t := range demoEventTexts {
		e.Translations[code] = store.EventTranslation{Title: t[0], Description: t[1], Status: store.StatusPublished}
	}
	if u, err := db.GetUserByUsername(ctx, "demo-protocol"); err == nil {
		e.Organisers = []int64{u.ID}
	}
	e, err = db.CreateEvent(ctx, e)
	if errors.Is(err, store.ErrConflict) {
		return nil // another instance made it at the same time
	}
	if err != nil {
		return fmt.Errorf("demo: event: %w", err)
	}
	var chair int64
	if u, err := db.GetUserByUsername(ctx, "demo-chair"); err == nil {
		chair = u.ID
	}
	for _, s := range demoSessions {
		start, end := at(s.day, s.hour), at(s.day, s.hour+s.hours)
		var agenda []store.AgendaItem
		for _, it := range s.agenda {
			agenda = append(agenda, store.AgendaItem{Titles: it})
		}
		if _, err := db.CreateEventSession(ctx, e.Slug, s.titles["en"], store.EventSession{EventID: e.ID, Kind: s.kind, Titles: s.titles,
			StartsAt: start, EndsAt: end, StartLocal: start.Format(wall), EndLocal: end.Format(wall), ChairID: chair, Agenda: agenda}); err != nil {
			return fmt.Errorf("demo: session: %w", err)
		}
	}
	sessions, err := db.ListEventSessions(ctx, e.ID)
	if err != nil {
		return fmt.Errorf("demo: event: %w", err)
	}
	if _, err := db.ReleaseTimetable(ctx, store.TimetableRelease{EventID: e.ID, Sessions: sessions}); err != nil {
		return fmt.Errorf("demo: release: %w", err)
	}
	return nil
}
