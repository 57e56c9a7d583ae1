package lang

import (
	"strconv"
	"time"
)

// WeekdayName is the abbreviated name of day wd in language code (CLDR),
// such as vi "Th 2", fr "lun.", or the wide name where the language has no
// abbreviation in the data (ar "الاثنين"). An unknown code names it in
// English.
func WeekdayName(code string, wd time.Weekday) string {
	tr := translator(code)
	if s := tr.WeekdayAbbreviated(wd); s != "" {
		return s
	}
	return tr.WeekdayWide(wd)
}

// MonthYear names t's month and year in language code, for the heading of a
// month calendar: en "December 2026", zh "2026年十二月".
func MonthYear(code string, t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	month, year := translator(code).MonthWide(t.Month()), strconv.Itoa(t.Year())
	if code == "zh" {
		return year + "年" + month
	}
	return month + " " + year
}
