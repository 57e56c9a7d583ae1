package xtext

// emojiParts is twitter-text's emoji table, the alternation X matches to count
// an emoji sequence as one character of default weight: twitter-text 3.1.0
// java/src/main/java/com/twitter/twittertext/TwitterTextEmojiRegex.java
// (commit 30e2430, Apache-2.0; generated there from the twemoji data), with
// its UTF-16 surrogate pairs written as code points for Go's regexp. Its
// order matters: the first alternative that matches wins. notFE0E stands for
// the original's negative lookahead (?:\x{fe0f}|(?!\x{fe0e})), which RE2
// lacks; emoji.go substitutes it.
var emojiParts = []string{
	// Zero Width Joiners need to be ahead of other Emoji to get priority
	`(?:\x{1f468}\x{1f3fb}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fc}-\x{1f3ff}]|\x{1f468}\x{1` +
		`f3fc}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}\x{1f3fd}-\x{1f3ff}]|\x{1f468}\x{1f3fd}\x` +
		`{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}\x{1f3fc}\x{1f3fe}\x{1f3ff}]|\x{1f468}\x{1f3fe}\` +
		`x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}-\x{1f3fd}\x{1f3ff}]|\x{1f468}\x{1f3ff}\x{200d}` +
		`\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}-\x{1f3fe}]|\x{1f469}\x{1f3fb}\x{200d}\x{1f91d}\x{200d` +
		`}\x{1f468}[\x{1f3fc}-\x{1f3ff}]|\x{1f469}\x{1f3fb}\x{200d}\x{1f91d}\x{200d}\x{1f469}[\x{1f` +
		`3fc}-\x{1f3ff}]|\x{1f469}\x{1f3fc}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}\x{1f3fd}-\x` +
		`{1f3ff}]|\x{1f469}\x{1f3fc}\x{200d}\x{1f91d}\x{200d}\x{1f469}[\x{1f3fb}\x{1f3fd}-\x{1f3ff}` +
		`]|\x{1f469}\x{1f3fd}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}\x{1f3fc}\x{1f3fe}\x{1f3ff` +
		`}]|\x{1f469}\x{1f3fd}\x{200d}\x{1f91d}\x{200d}\x{1f469}[\x{1f3fb}\x{1f3fc}\x{1f3fe}\x{1f3f` +
		`f}]|\x{1f469}\x{1f3fe}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}-\x{1f3fd}\x{1f3ff}]|\x{` +
		`1f469}\x{1f3fe}\x{200d}\x{1f91d}\x{200d}\x{1f469}[\x{1f3fb}-\x{1f3fd}\x{1f3ff}]|\x{1f469}\` +
		`x{1f3ff}\x{200d}\x{1f91d}\x{200d}\x{1f468}[\x{1f3fb}-\x{1f3fe}]|\x{1f469}\x{1f3ff}\x{200d}` +
		`\x{1f91d}\x{200d}\x{1f469}[\x{1f3fb}-\x{1f3fe}]|\x{1f9d1}\x{1f3fb}\x{200d}\x{1f91d}\x{200d` +
		`}\x{1f9d1}[\x{1f3fb}-\x{1f3ff}]|\x{1f9d1}\x{1f3fc}\x{200d}\x{1f91d}\x{200d}\x{1f9d1}[\x{1f` +
		`3fb}-\x{1f3ff}]|\x{1f9d1}\x{1f3fd}\x{200d}\x{1f91d}\x{200d}\x{1f9d1}[\x{1f3fb}-\x{1f3ff}]|` +
		`\x{1f9d1}\x{1f3fe}\x{200d}\x{1f91d}\x{200d}\x{1f9d1}[\x{1f3fb}-\x{1f3ff}]|\x{1f9d1}\x{1f3f` +
		`f}\x{200d}\x{1f91d}\x{200d}\x{1f9d1}[\x{1f3fb}-\x{1f3ff}]|\x{1f9d1}\x{200d}\x{1f91d}\x{200` +
		`d}\x{1f9d1}|\x{1f46b}[\x{1f3fb}-\x{1f3ff}]|\x{1f46c}[\x{1f3fb}-\x{1f3ff}]|\x{1f46d}[\x{1f3` +
		`fb}-\x{1f3ff}]|[\x{1f46b}-\x{1f46d}])|`,
	// Leading woman/man zwj with optional skin tone
	`[\x{1f468}\x{1f469}\x{1f9d1}][\x{1f3fb}-\x{1f3ff}]?\x{200d}(?:\x{2695}\x{fe0f}|\x{2696}\x{` +
		`fe0f}|\x{2708}\x{fe0f}|[\x{1f33e}\x{1f373}\x{1f393}\x{1f3a4}\x{1f3a8}\x{1f3eb}\x{1f3ed}\x{` +
		`1f4bb}\x{1f4bc}\x{1f527}\x{1f52c}\x{1f680}\x{1f692}\x{1f9af}-\x{1f9b3}\x{1f9bc}\x{1f9bd}])` +
		`|`,
	// Variant or skin tone before trailing female/male zwj (+ a captured group)
	// The group provides a way to detect that the base has VS16 instead of skin tone
	`[\x{26f9}\x{1f3cb}\x{1f3cc}\x{1f574}\x{1f575}](?:[\x{fe0f}\x{1f3fb}-\x{1f3ff}]\x{200d}[\x{26` +
		`40}\x{2642}]\x{fe0f})|`,
	// Optional skin tone before trailing female/male zwj
	`[\x{1f3c3}\x{1f3c4}\x{1f3ca}\x{1f46e}\x{1f471}\x{1f473}\x{1f477}\x{1f481}\x{1f482}\x{1f486` +
		`}\x{1f487}\x{1f645}-\x{1f647}\x{1f64b}\x{1f64d}\x{1f64e}\x{1f6a3}\x{1f6b4}-\x{1f6b6}\x{1f9` +
		`26}\x{1f935}\x{1f937}-\x{1f939}\x{1f93d}\x{1f93e}\x{1f9b8}\x{1f9b9}\x{1f9cd}-\x{1f9cf}\x{1` +
		`f9d6}-\x{1f9dd}][\x{1f3fb}-\x{1f3ff}]?\x{200d}[\x{2640}\x{2642}]\x{fe0f}|`,
	// Other zwj sequences
	`(?:\x{1f468}\x{200d}\x{2764}\x{fe0f}\x{200d}\x{1f48b}\x{200d}\x{1f468}|\x{1f469}\x{200d}\x` +
		`{2764}\x{fe0f}\x{200d}\x{1f48b}\x{200d}[\x{1f468}\x{1f469}]|\x{1f468}\x{200d}\x{1f468}\x{2` +
		`00d}\x{1f466}\x{200d}\x{1f466}|\x{1f468}\x{200d}\x{1f468}\x{200d}\x{1f467}\x{200d}[\x{1f46` +
		`6}\x{1f467}]|\x{1f468}\x{200d}\x{1f469}\x{200d}\x{1f466}\x{200d}\x{1f466}|\x{1f468}\x{200d` +
		`}\x{1f469}\x{200d}\x{1f467}\x{200d}[\x{1f466}\x{1f467}]|\x{1f469}\x{200d}\x{1f469}\x{200d}` +
		`\x{1f466}\x{200d}\x{1f466}|\x{1f469}\x{200d}\x{1f469}\x{200d}\x{1f467}\x{200d}[\x{1f466}\x` +
		`{1f467}]|\x{1f468}\x{200d}\x{2764}\x{fe0f}\x{200d}\x{1f468}|\x{1f469}\x{200d}\x{2764}\x{fe` +
		`0f}\x{200d}[\x{1f468}\x{1f469}]|\x{1f3f3}\x{fe0f}\x{200d}\x{26a7}\x{fe0f}|\x{1f468}\x{200d` +
		`}\x{1f466}\x{200d}\x{1f466}|\x{1f468}\x{200d}\x{1f467}\x{200d}[\x{1f466}\x{1f467}]|\x{1f46` +
		`8}\x{200d}\x{1f468}\x{200d}[\x{1f466}\x{1f467}]|\x{1f468}\x{200d}\x{1f469}\x{200d}[\x{1f46` +
		`6}\x{1f467}]|\x{1f469}\x{200d}\x{1f466}\x{200d}\x{1f466}|\x{1f469}\x{200d}\x{1f467}\x{200d` +
		`}[\x{1f466}\x{1f467}]|\x{1f469}\x{200d}\x{1f469}\x{200d}[\x{1f466}\x{1f467}]|\x{1f3f3}\x{f` +
		`e0f}\x{200d}\x{1f308}|\x{1f3f4}\x{200d}\x{2620}\x{fe0f}|\x{1f46f}\x{200d}\x{2640}\x{fe0f}|` +
		`\x{1f46f}\x{200d}\x{2642}\x{fe0f}|\x{1f93c}\x{200d}\x{2640}\x{fe0f}|\x{1f93c}\x{200d}\x{26` +
		`42}\x{fe0f}|\x{1f9de}\x{200d}\x{2640}\x{fe0f}|\x{1f9de}\x{200d}\x{2642}\x{fe0f}|\x{1f9df}\` +
		`x{200d}\x{2640}\x{fe0f}|\x{1f9df}\x{200d}\x{2642}\x{fe0f}|\x{1f415}\x{200d}\x{1f9ba}|\x{1f` +
		`441}\x{200d}\x{1f5e8}|\x{1f468}\x{200d}[\x{1f466}\x{1f467}]|\x{1f469}\x{200d}[\x{1f466}\x{` +
		`1f467}])|`,
	// Emojified symbols #, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 + possible variant selector + keycap
	`[#*0-9]\x{fe0f}?\x{20e3}|`,
	// Emoji which default to text must be followed by U+fe0f
	`(?:[\x{a9}\x{ae}\x{2122}\x{265f}]\x{fe0f})|`,
	// Variants that may be followed by U+fe0f but cannot be followed by U+fe0e
	`[\x{203c}\x{2049}\x{2139}\x{2194}-\x{2199}\x{21a9}\x{21aa}\x{231a}\x{231b}\x{2328}\x{23cf}` +
		`\x{23ed}-\x{23ef}\x{23f1}\x{23f2}\x{23f8}-\x{23fa}\x{24c2}\x{25aa}\x{25ab}\x{25b6}\x{25c0}` +
		`\x{25fb}-\x{25fe}\x{2600}-\x{2604}\x{260e}\x{2611}\x{2614}\x{2615}\x{2618}\x{2620}\x{2622}` +
		`\x{2623}\x{2626}\x{262a}\x{262e}\x{262f}\x{2638}-\x{263a}\x{2640}\x{2642}\x{2648}-\x{2653}` +
		`\x{2660}\x{2663}\x{2665}\x{2666}\x{2668}\x{267b}\x{267f}\x{2692}-\x{2697}\x{2699}\x{269b}\` +
		`x{269c}\x{26a0}\x{26a1}\x{26a7}\x{26aa}\x{26ab}\x{26b0}\x{26b1}\x{26bd}\x{26be}\x{26c4}\x{` +
		`26c5}\x{26c8}\x{26cf}\x{26d1}\x{26d3}\x{26d4}\x{26e9}\x{26ea}\x{26f0}-\x{26f5}\x{26f8}\x{2` +
		`6fa}\x{26fd}\x{2702}\x{2708}\x{2709}\x{270f}\x{2712}\x{2714}\x{2716}\x{271d}\x{2721}\x{273` +
		`3}\x{2734}\x{2744}\x{2747}\x{2757}\x{2763}\x{2764}\x{27a1}\x{2934}\x{2935}\x{2b05}-\x{2b07` +
		`}\x{2b1b}\x{2b1c}\x{2b50}\x{2b55}\x{3030}\x{303d}\x{3297}\x{3299}\x{1f004}\x{1f170}\x{1f17` +
		`1}\x{1f17e}\x{1f17f}\x{1f202}\x{1f21a}\x{1f22f}\x{1f237}\x{1f321}\x{1f324}-\x{1f32c}\x{1f3` +
		`36}\x{1f37d}\x{1f396}\x{1f397}\x{1f399}-\x{1f39b}\x{1f39e}\x{1f39f}\x{1f3cd}\x{1f3ce}\x{1f` +
		`3d4}-\x{1f3df}\x{1f3f3}\x{1f3f5}\x{1f3f7}\x{1f43f}\x{1f441}\x{1f4fd}\x{1f549}\x{1f54a}\x{1` +
		`f56f}\x{1f570}\x{1f573}\x{1f576}-\x{1f579}\x{1f587}\x{1f58a}-\x{1f58d}\x{1f5a5}\x{1f5a8}\x` +
		`{1f5b1}\x{1f5b2}\x{1f5bc}\x{1f5c2}-\x{1f5c4}\x{1f5d1}-\x{1f5d3}\x{1f5dc}-\x{1f5de}\x{1f5e1` +
		`}\x{1f5e3}\x{1f5e8}\x{1f5ef}\x{1f5f3}\x{1f5fa}\x{1f6cb}\x{1f6cd}-\x{1f6cf}\x{1f6e0}-\x{1f6` +
		`e5}\x{1f6e9}\x{1f6f0}\x{1f6f3}]{notFE0E}|`,
	// Diversity Emoji followed by optional skin tone
	`(?:`,
	// Diversity variants that may be followed by U+fe0f but cannot be followed by U+fe0e
	`[\x{261d}\x{26f7}\x{26f9}\x{270c}\x{270d}\x{1f3cb}\x{1f3cc}\x{1f574}\x{1f575}\x{1f590}]{no` +
		`tFE0E}|`,
	// Diversity non-variants
	`[\x{270a}\x{270b}\x{1f385}\x{1f3c2}-\x{1f3c4}\x{1f3c7}\x{1f3ca}\x{1f442}\x{1f443}\x{1f446}` +
		`-\x{1f450}\x{1f466}-\x{1f469}\x{1f46e}\x{1f470}-\x{1f478}\x{1f47c}\x{1f481}-\x{1f483}\x{1f` +
		`485}-\x{1f487}\x{1f4aa}\x{1f57a}\x{1f595}\x{1f596}\x{1f645}-\x{1f647}\x{1f64b}-\x{1f64f}\x` +
		`{1f6a3}\x{1f6b4}-\x{1f6b6}\x{1f6c0}\x{1f6cc}\x{1f90f}\x{1f918}-\x{1f91c}\x{1f91e}\x{1f91f}` +
		`\x{1f926}\x{1f930}-\x{1f939}\x{1f93d}\x{1f93e}\x{1f9b5}\x{1f9b6}\x{1f9b8}\x{1f9b9}\x{1f9bb` +
		`}\x{1f9cd}-\x{1f9cf}\x{1f9d1}-\x{1f9dd}])[\x{1f3fb}-\x{1f3ff}]?|`,
	// Flags, Regional Symbols, and Normal Emoji
	`(?:\x{1f3f4}\x{e0067}\x{e0062}\x{e0065}\x{e006e}\x{e0067}\x{e007f}|\x{1f3f4}\x{e0067}\x{e0` +
		`062}\x{e0073}\x{e0063}\x{e0074}\x{e007f}|\x{1f3f4}\x{e0067}\x{e0062}\x{e0077}\x{e006c}\x{e` +
		`0073}\x{e007f}|\x{1f1e6}[\x{1f1e8}-\x{1f1ec}\x{1f1ee}\x{1f1f1}\x{1f1f2}\x{1f1f4}\x{1f1f6}-` +
		`\x{1f1fa}\x{1f1fc}\x{1f1fd}\x{1f1ff}]|\x{1f1e7}[\x{1f1e6}\x{1f1e7}\x{1f1e9}-\x{1f1ef}\x{1f` +
		`1f1}-\x{1f1f4}\x{1f1f6}-\x{1f1f9}\x{1f1fb}\x{1f1fc}\x{1f1fe}\x{1f1ff}]|\x{1f1e8}[\x{1f1e6}` +
		`\x{1f1e8}\x{1f1e9}\x{1f1eb}-\x{1f1ee}\x{1f1f0}-\x{1f1f5}\x{1f1f7}\x{1f1fa}-\x{1f1ff}]|\x{1` +
		`f1e9}[\x{1f1ea}\x{1f1ec}\x{1f1ef}\x{1f1f0}\x{1f1f2}\x{1f1f4}\x{1f1ff}]|\x{1f1ea}[\x{1f1e6}` +
		`\x{1f1e8}\x{1f1ea}\x{1f1ec}\x{1f1ed}\x{1f1f7}-\x{1f1fa}]|\x{1f1eb}[\x{1f1ee}-\x{1f1f0}\x{1` +
		`f1f2}\x{1f1f4}\x{1f1f7}]|\x{1f1ec}[\x{1f1e6}\x{1f1e7}\x{1f1e9}-\x{1f1ee}\x{1f1f1}-\x{1f1f3` +
		`}\x{1f1f5}-\x{1f1fa}\x{1f1fc}\x{1f1fe}]|\x{1f1ed}[\x{1f1f0}\x{1f1f2}\x{1f1f3}\x{1f1f7}\x{1` +
		`f1f9}\x{1f1fa}]|\x{1f1ee}[\x{1f1e8}-\x{1f1ea}\x{1f1f1}-\x{1f1f4}\x{1f1f6}-\x{1f1f9}]|\x{1f` +
		`1ef}[\x{1f1ea}\x{1f1f2}\x{1f1f4}\x{1f1f5}]|\x{1f1f0}[\x{1f1ea}\x{1f1ec}-\x{1f1ee}\x{1f1f2}` +
		`\x{1f1f3}\x{1f1f5}\x{1f1f7}\x{1f1fc}\x{1f1fe}\x{1f1ff}]|\x{1f1f1}[\x{1f1e6}-\x{1f1e8}\x{1f` +
		`1ee}\x{1f1f0}\x{1f1f7}-\x{1f1fb}\x{1f1fe}]|\x{1f1f2}[\x{1f1e6}\x{1f1e8}-\x{1f1ed}\x{1f1f0}` +
		`-\x{1f1ff}]|\x{1f1f3}[\x{1f1e6}\x{1f1e8}\x{1f1ea}-\x{1f1ec}\x{1f1ee}\x{1f1f1}\x{1f1f4}\x{1` +
		`f1f5}\x{1f1f7}\x{1f1fa}\x{1f1ff}]|\x{1f1f4}\x{1f1f2}|\x{1f1f5}[\x{1f1e6}\x{1f1ea}-\x{1f1ed` +
		`}\x{1f1f0}-\x{1f1f3}\x{1f1f7}-\x{1f1f9}\x{1f1fc}\x{1f1fe}]|\x{1f1f6}\x{1f1e6}|\x{1f1f7}[\x` +
		`{1f1ea}\x{1f1f4}\x{1f1f8}\x{1f1fa}\x{1f1fc}]|\x{1f1f8}[\x{1f1e6}-\x{1f1ea}\x{1f1ec}-\x{1f1` +
		`f4}\x{1f1f7}-\x{1f1f9}\x{1f1fb}\x{1f1fd}-\x{1f1ff}]|\x{1f1f9}[\x{1f1e6}\x{1f1e8}\x{1f1e9}\` +
		`x{1f1eb}-\x{1f1ed}\x{1f1ef}-\x{1f1f4}\x{1f1f7}\x{1f1f9}\x{1f1fb}\x{1f1fc}\x{1f1ff}]|\x{1f1` +
		`fa}[\x{1f1e6}\x{1f1ec}\x{1f1f2}\x{1f1f3}\x{1f1f8}\x{1f1fe}\x{1f1ff}]|\x{1f1fb}[\x{1f1e6}\x` +
		`{1f1e8}\x{1f1ea}\x{1f1ec}\x{1f1ee}\x{1f1f3}\x{1f1fa}]|\x{1f1fc}[\x{1f1eb}\x{1f1f8}]|\x{1f1` +
		`fd}\x{1f1f0}|\x{1f1fe}[\x{1f1ea}\x{1f1f9}]|\x{1f1ff}[\x{1f1e6}\x{1f1f2}\x{1f1fc}]|[\x{23e9` +
		`}-\x{23ec}\x{23f0}\x{23f3}\x{267e}\x{26ce}\x{2705}\x{2728}\x{274c}\x{274e}\x{2753}-\x{2755` +
		`}\x{2795}-\x{2797}\x{27b0}\x{27bf}\x{e50a}\x{1f0cf}\x{1f18e}\x{1f191}-\x{1f19a}\x{1f1e6}-\` +
		`x{1f1ff}\x{1f201}\x{1f232}-\x{1f236}\x{1f238}-\x{1f23a}\x{1f250}\x{1f251}\x{1f300}-\x{1f32` +
		`0}\x{1f32d}-\x{1f335}\x{1f337}-\x{1f37c}\x{1f37e}-\x{1f384}\x{1f386}-\x{1f393}\x{1f3a0}-\x` +
		`{1f3c1}\x{1f3c5}\x{1f3c6}\x{1f3c8}\x{1f3c9}\x{1f3cf}-\x{1f3d3}\x{1f3e0}-\x{1f3f0}\x{1f3f4}` +
		`\x{1f3f8}-\x{1f43e}\x{1f440}\x{1f444}\x{1f445}\x{1f451}-\x{1f465}\x{1f46a}\x{1f46f}\x{1f47` +
		`9}-\x{1f47b}\x{1f47d}-\x{1f480}\x{1f484}\x{1f488}-\x{1f4a9}\x{1f4ab}-\x{1f4fc}\x{1f4ff}-\x` +
		`{1f53d}\x{1f54b}-\x{1f54e}\x{1f550}-\x{1f567}\x{1f5a4}\x{1f5fb}-\x{1f644}\x{1f648}-\x{1f64` +
		`a}\x{1f680}-\x{1f6a2}\x{1f6a4}-\x{1f6b3}\x{1f6b7}-\x{1f6bf}\x{1f6c1}-\x{1f6c5}\x{1f6d0}-\x` +
		`{1f6d2}\x{1f6d5}\x{1f6eb}\x{1f6ec}\x{1f6f4}-\x{1f6fa}\x{1f7e0}-\x{1f7eb}\x{1f90d}\x{1f90e}` +
		`\x{1f910}-\x{1f917}\x{1f91d}\x{1f920}-\x{1f925}\x{1f927}-\x{1f92f}\x{1f93a}\x{1f93c}\x{1f9` +
		`3f}-\x{1f945}\x{1f947}-\x{1f971}\x{1f973}-\x{1f976}\x{1f97a}-\x{1f9a2}\x{1f9a5}-\x{1f9aa}\` +
		`x{1f9ae}-\x{1f9b4}\x{1f9b7}\x{1f9ba}\x{1f9bc}-\x{1f9ca}\x{1f9d0}\x{1f9de}-\x{1f9ff}\x{1fa7` +
		`0}-\x{1fa73}\x{1fa78}-\x{1fa7a}\x{1fa80}-\x{1fa82}\x{1fa90}-\x{1fa95}])|`,
	// Stray VS16s can adversely affect preceeding non-emoji characters
	`\x{fe0f}`,
}
