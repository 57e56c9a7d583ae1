package xtext

import "strings"

// ccTLDs are the country-code top-level domains (ISO 3166 and the few
// exceptions IANA delegates: ac, eu, su, uk).
var ccTLDs = setOf(
	"ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd " +
		"be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg " +
		"ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz " +
		"ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi " +
		"gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il " +
		"im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw " +
		"ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk " +
		"ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng " +
		"ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt " +
		"pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn " +
		"so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to " +
		"tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws " +
		"ye yt za zm zw")

// gTLDs are generic top-level domains a press statement is likely to name.
// The list is shorter than IANA's; a domain it misses counts as its
// characters.
var gTLDs = setOf(
	"com net org gov edu int mil info biz name pro mobi asia tel travel jobs museum coop aero cat " +
		"post xxx app dev page blog shop store online site website tech cloud news media live world global today agency " +
		"center company email group network digital solutions services international foundation institute university academy education events law legal press tv video " +
		"art design studio social support systems tools top xyz club vip life love one ngo ong africa berlin paris london " +
		"tokyo nyc quebec swiss")

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
