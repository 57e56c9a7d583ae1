// gen.js writes parseTweet.json: texts built from fragments that stress
// twitter-text's URL and emoji rules, with what the npm package
// twitter-text@3.1.0 (the reference X's counting follows) computes for
// them. TestOracle compares package xtext with it.
//
//   npm install twitter-text@3.1.0
//   node gen.js > parseTweet.json
//
// The texts come from a fixed seed, so a run reproduces the file.
'use strict';
const twttr = require('twitter-text');

const fragments = [
  'http://', 'https://', 'HTTPS://', 'www.', 't.co/', 'T.CO/', 'xn--', 'xn--ls8h', '.com', '.COM', '.vn', '.gov.vn', '.co', '.jp',
  '.中国', '.みんな', '.پاکستان', '.рф', '.한국', '.onion', '.comm', '.x', '/', '//', '?', '#', '(', ')', '[', ']', '.', '..', '-', '_',
  '@', '＠', '$', '#', '＃', ':', ':8080', '%20', '&', '=', "'", '"', ',', ';', '!', '~', '|', '+', '*',
  'a', 'Z', 'mofa', 'example', 'abc123', 'ệ', 'Việt', 'ß', 'İ', 'ſ', 'K', 'Ⱥ', 'ⱥ', 'ᲀ', 'ж', 'Ж',
  '中', '外交部', 'あ', 'ドメイン', '。', '．', '｡', 'ب', 'العربية', 'ש', '\u05e9\u05bc\u05c1',
  '\u2066', '\u2069', '\u202a', '\u202c', '\u200e', '\u200f', '\u061c',
  ' ', '  ', '\n', '\t', '\u3000', '\u00a0', '\u2028',
  '👍', '🏽', '\u200d', '\ufe0f', '\ufe0e', '☺', '☝', '©', '®', '™', '1', '#', '*', '\u20e3', '🇻', '🇳', '🇺🇸',
  '👨\u200d👩\u200d👧\u200d👦', '🏴\udb40\udc67\udb40\udc62\udb40\udc73\udb40\udc63\udb40\udc74\udb40\udc7f', '🧑\u200d🤝\u200d🧑', '🦯', '🐈\u200d⬛',
  '⛹', '♀', '\u2640\ufe0f', '\ufffe', '\ufeff', '\uffff', 'e\u0301', 'A\u030a', '\u1100\u1161',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'あいうえおかきくけこあいうえおかきくけこ',
];

// mulberry32, a small seeded generator.
let seed = 20261206;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const texts = [];
for (let i = 0; i < 3000; i++) {
  const n = 1 + Math.floor(rand() * (i % 10 === 0 ? 60 : 12));
  let s = '';
  for (let j = 0; j < n; j++) {
    s += fragments[Math.floor(rand() * fragments.length)];
  }
  texts.push(s);
}
// Long posts: around the 280 limit and beyond.
for (let i = 0; i < 40; i++) {
  let s = '';
  while (s.length < 250 + i * 10) {
    s += fragments[Math.floor(rand() * fragments.length)];
  }
  texts.push(s);
}

const cases = texts.map((text) => ({
  text,
  parse: twttr.parseTweet(text),
  urls: twttr.extractUrlsWithIndices(text).map((u) => ({ url: u.url, indices: u.indices })),
}));
// One case a line keeps the file small and its diffs readable.
process.stdout.write('[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
