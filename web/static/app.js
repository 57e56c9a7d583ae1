// Chancery's shared page behaviour: small progressive enhancements only;
// every page works without it.

// The skip link moves focus to the main landmark, not just the scroll position.
const skip = document.querySelector(".skip-link");
const main = document.getElementById("main");
if (skip && main) {
  skip.addEventListener("click", () => main.focus());
}
