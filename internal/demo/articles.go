package demo

import "github.com/mofa-vn/chancery/internal/store"

func tr(lang, title, summary, body string) store.ArticleTranslation {
	return store.ArticleTranslation{Lang: lang, Title: title, Summary: summary, Body: body, Status: "published"}
}

func translations(ts ...store.ArticleTranslation) map[string]store.ArticleTranslation {
	m := make(map[string]store.ArticleTranslation, len(ts))
	for _, t := range ts {
		m[t.Lang] = t
	}
	return m
}

// articles are the demo news, newest first: the first two in all seven
// languages, the others in some only, as real newsrooms publish.
var articles = []store.Article{
	{
		Slug: "digital-diplomacy-forum-opens", Kind: "news", Unit: "press-department", SourceLang: "vi", Featured: true,
		Topics: []string{"digital-diplomacy", "asean"}, Countries: []string{"035"},
		Translations: translations(
			tr("vi", "Khai mạc Diễn đàn Ngoại giao số ASEAN",
				"Bộ Ngoại giao chủ trì phiên khai mạc trực tuyến với sự tham gia của đại biểu mười một nước.",
				"Sáng nay, Bộ Ngoại giao đã khai mạc Diễn đàn Ngoại giao số ASEAN theo hình thức trực tuyến hoàn toàn.\n\nCác phái đoàn đã thảo luận về hợp tác chuyển đổi số và an ninh mạng."),
			tr("en", "ASEAN Digital Diplomacy Forum opens",
				"The Ministry of Foreign Affairs chaired the online opening session with delegates from eleven countries.",
				"This morning the Ministry of Foreign Affairs opened the ASEAN Digital Diplomacy Forum, held entirely online.\n\nDelegations discussed cooperation on digital transformation and cybersecurity."),
			tr("fr", "Ouverture du Forum de la diplomatie numérique de l'ASEAN",
				"Le ministère des Affaires étrangères a présidé la séance d'ouverture en ligne, avec des délégués de onze pays.",
				"Ce matin, le ministère des Affaires étrangères a ouvert le Forum de la diplomatie numérique de l'ASEAN, tenu entièrement en ligne.\n\nLes délégations ont débattu de la coopération en matière de transformation numérique et de cybersécurité."),
			tr("es", "Se inaugura el Foro de Diplomacia Digital de la ASEAN",
				"El Ministerio de Relaciones Exteriores presidió la sesión inaugural en línea con delegados de once países.",
				"Esta mañana el Ministerio de Relaciones Exteriores inauguró el Foro de Diplomacia Digital de la ASEAN, celebrado íntegramente en línea.\n\nLas delegaciones debatieron la cooperación en transformación digital y ciberseguridad."),
			tr("ru", "Открылся Форум цифровой дипломатии АСЕАН",
				"Министерство иностранных дел провело онлайн-заседание открытия с участием делегатов из одиннадцати стран.",
				"Сегодня утром Министерство иностранных дел открыло Форум цифровой дипломатии АСЕАН, который проходит полностью в онлайн-формате.\n\nДелегации обсудили сотрудничество в области цифровой трансформации и кибербезопасности."),
			tr("zh", "东盟数字外交论坛开幕",
				"外交部主持了线上开幕式，来自十一个国家的代表出席。",
				"今天上午，外交部以全线上方式举办了东盟数字外交论坛开幕式。\n\n各代表团就数字化转型和网络安全合作进行了讨论。"),
			tr("ar", "افتتاح منتدى الدبلوماسية الرقمية لرابطة آسيان",
				"ترأست وزارة الخارجية جلسة الافتتاح عبر الإنترنت بمشاركة مندوبين من أحد عشر بلدًا.",
				"افتتحت وزارة الخارجية صباح اليوم منتدى الدبلوماسية الرقمية لرابطة آسيان، الذي يُعقد بالكامل عبر الإنترنت.\n\nناقشت الوفود التعاون في مجالي التحول الرقمي والأمن السيبراني."),
		),
	},
	{
		Slug: "statement-on-east-sea-day", Kind: "statement", Unit: "spokesperson", SourceLang: "vi", Featured: true,
		Topics: []string{"maritime-affairs"}, Countries: []string{"VN"},
		Translations: translations(
			tr("vi", "Tuyên bố của Người phát ngôn về hợp tác hàng hải",
				"Việt Nam khẳng định cam kết giải quyết các tranh chấp bằng biện pháp hòa bình, phù hợp với luật pháp quốc tế.",
				"Việt Nam nhất quán chủ trương giải quyết các tranh chấp bằng biện pháp hòa bình, trên cơ sở luật pháp quốc tế, đặc biệt là Công ước của Liên hợp quốc về Luật Biển năm 1982."),
			tr("en", "Spokesperson's statement on maritime cooperation",
				"Viet Nam reaffirms its commitment to settling disputes by peaceful means, in accordance with international law.",
				"Viet Nam consistently advocates settling disputes by peaceful means on the basis of international law, in particular the 1982 United Nations Convention on the Law of the Sea."),
			tr("fr", "Déclaration du porte-parole sur la coopération maritime",
				"Le Viet Nam réaffirme son engagement à régler les différends par des moyens pacifiques, conformément au droit international.",
				"Le Viet Nam préconise constamment le règlement des différends par des moyens pacifiques, sur la base du droit international, en particulier de la Convention des Nations unies sur le droit de la mer de 1982."),
			tr("es", "Declaración del portavoz sobre la cooperación marítima",
				"Viet Nam reafirma su compromiso de resolver las controversias por medios pacíficos, de conformidad con el derecho internacional.",
				"Viet Nam aboga sistemáticamente por resolver las controversias por medios pacíficos sobre la base del derecho internacional, en particular la Convención de las Naciones Unidas sobre el Derecho del Mar de 1982."),
			tr("ru", "Заявление официального представителя о морском сотрудничестве",
				"Вьетнам подтверждает приверженность урегулированию споров мирными средствами в соответствии с международным правом.",
				"Вьетнам последовательно выступает за урегулирование споров мирными средствами на основе международного права, в частности Конвенции ООН по морскому праву 1982 года."),
			tr("zh", "发言人关于海上合作的声明",
				"越南重申致力于根据国际法以和平方式解决争端。",
				"越南一贯主张在国际法基础上，特别是根据1982年《联合国海洋法公约》，以和平方式解决争端。"),
			tr("ar", "بيان المتحدث الرسمي بشأن التعاون البحري",
				"تؤكد فيتنام من جديد التزامها بتسوية النزاعات بالوسائل السلمية وفقًا للقانون الدولي.",
				"تدعو فيتنام باستمرار إلى تسوية النزاعات بالوسائل السلمية على أساس القانون الدولي، ولا سيما اتفاقية الأمم المتحدة لقانون البحار لعام 1982."),
		),
	},
	{
		Slug: "viet-nam-japan-political-consultations", Kind: "press-release", Unit: "asean-department", SourceLang: "vi",
		Topics: []string{"bilateral-relations"}, Countries: []string{"JP"},
		// Not yet translated into Spanish, Russian, Chinese or Arabic: those
		// pages say so and link to the languages it exists in.
		Translations: translations(
			tr("vi", "Tham vấn chính trị Việt Nam – Nhật Bản lần thứ 12",
				"Hai bên nhất trí tăng cường hợp tác về chuyển đổi số, năng lượng sạch và giao lưu nhân dân.",
				"Ngày hôm nay, Thứ trưởng Ngoại giao đã đồng chủ trì Tham vấn chính trị Việt Nam – Nhật Bản lần thứ 12 tại Tokyo.\n\n## Kết quả chính\n\n* Tăng cường hợp tác về chuyển đổi số\n* Thúc đẩy các dự án năng lượng sạch\n* Mở rộng giao lưu nhân dân và du lịch"),
			tr("en", "12th Viet Nam – Japan political consultations",
				"The two sides agreed to strengthen cooperation on digital transformation, clean energy and people-to-people exchanges.",
				"Today the Deputy Minister of Foreign Affairs co-chaired the 12th Viet Nam – Japan political consultations in Tokyo.\n\n## Main outcomes\n\n* Stronger cooperation on digital transformation\n* Clean-energy projects moved forward\n* More people-to-people and tourism exchanges"),
			tr("fr", "12e consultations politiques Viet Nam – Japon",
				"Les deux parties sont convenues de renforcer leur coopération dans la transformation numérique, l'énergie propre et les échanges entre les peuples.",
				"Le vice-ministre des Affaires étrangères a coprésidé aujourd'hui à Tokyo les 12e consultations politiques Viet Nam – Japon.\n\n## Principaux résultats\n\n* Coopération renforcée dans la transformation numérique\n* Avancée des projets d'énergie propre\n* Davantage d'échanges entre les peuples et de tourisme"),
		),
	},
	{
		Slug: "travel-advisory-typhoon-season", Kind: "travel-advisory", Unit: "consular-department", SourceLang: "vi",
		Topics: []string{"consular-affairs"}, Countries: []string{"PH", "VN"},
		Translations: translations(
			tr("vi", "Khuyến cáo đi lại trong mùa bão",
				"Công dân Việt Nam tại Philippines cần theo dõi sát thông tin thời tiết và giữ liên lạc với Đại sứ quán.",
				"Cục Lãnh sự khuyến cáo công dân Việt Nam đang ở hoặc dự định đến Philippines theo dõi sát thông tin về bão.\n\n## Đường dây nóng bảo hộ công dân\n\nGọi +84 981 84 84 84 nếu cần hỗ trợ khẩn cấp."),
			tr("en", "Travel advice for the typhoon season",
				"Vietnamese citizens in the Philippines should follow weather reports closely and stay in touch with the Embassy.",
				"The Consular Department advises Vietnamese citizens in or travelling to the Philippines to follow typhoon warnings closely.\n\n## Citizen protection hotline\n\nCall +84 981 84 84 84 for urgent help."),
			tr("zh", "台风季节出行提示",
				"在菲律宾的越南公民应密切关注天气预报，并与大使馆保持联系。",
				"领事局提醒在菲律宾或计划前往菲律宾的越南公民密切关注台风预警。\n\n## 公民保护热线\n\n如需紧急协助，请拨打 +84 981 84 84 84。"),
		),
	},
}

// topics name the demo topics in every language.
var topics = []store.Topic{
	{Slug: "digital-diplomacy", Names: map[string]string{"vi": "Ngoại giao số", "en": "Digital diplomacy", "fr": "Diplomatie numérique", "es": "Diplomacia digital", "ru": "Цифровая дипломатия", "zh": "数字外交", "ar": "الدبلوماسية الرقمية"}},
	{Slug: "asean", Names: map[string]string{"vi": "ASEAN", "en": "ASEAN", "fr": "ASEAN", "es": "ASEAN", "ru": "АСЕАН", "zh": "东盟", "ar": "آسيان"}},
	{Slug: "maritime-affairs", Names: map[string]string{"vi": "Biển đảo", "en": "Maritime affairs", "fr": "Affaires maritimes", "es": "Asuntos marítimos", "ru": "Морские вопросы", "zh": "海洋事务", "ar": "الشؤون البحرية"}},
	{Slug: "bilateral-relations", Names: map[string]string{"vi": "Quan hệ song phương", "en": "Bilateral relations", "fr": "Relations bilatérales", "es": "Relaciones bilaterales", "ru": "Двусторонние отношения", "zh": "双边关系", "ar": "العلاقات الثنائية"}},
	{Slug: "consular-affairs", Names: map[string]string{"vi": "Lãnh sự", "en": "Consular affairs", "fr": "Affaires consulaires", "es": "Asuntos consulares", "ru": "Консульские вопросы", "zh": "领事事务", "ar": "الشؤون القنصلية"}},
}

// correction is a fix published after the statement went out in English,
// so the demo shows an "Updated" note and a version history.
var correction = struct {
	slug, lang, body, note string
}{
	"statement-on-east-sea-day", "en",
	"Viet Nam consistently advocates settling disputes by peaceful means on the basis of international law, in particular the 1982 United Nations Convention on the Law of the Sea (UNCLOS).\n\nViet Nam welcomes all efforts to build trust and cooperation at sea.",
	"Added the Convention's abbreviation and the closing paragraph.",
}
