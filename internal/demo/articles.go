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

// articles are the demo news, each in all seven languages.
var articles = []store.Article{
	{
		Slug: "digital-diplomacy-forum-opens", Kind: "news",
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
		Slug: "statement-on-east-sea-day", Kind: "statement",
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
}
