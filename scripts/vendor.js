// Copies the pinned front-end builds from node_modules into static/vendor/ (served), and the
// accessibility checker into tests/browser/vendor/ (used by the browser tests only).
// Run `npm install && npm run vendor` after changing a version in package.json; the copies are
// committed so that serving and testing never need Node or a CDN.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "static/vendor/bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "static/vendor/bootstrap/bootstrap.bundle.min.js"],
  ["htmx.org/dist/htmx.min.js", "static/vendor/htmx/htmx.min.js"],
  ["axe-core/axe.min.js", "tests/browser/vendor/axe.min.js"],
  ["axe-core/LICENSE", "tests/browser/vendor/axe-core.LICENSE"],
];
for (const [from, to] of files) {
  const target = path.join(root, to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Source maps are not shipped: drop the pointer so collectstatic's manifest does not look for them.
  const text = fs.readFileSync(path.join(root, "node_modules", from), "utf8")
    .replace(/\n?\/[*/]# sourceMappingURL=.*$/m, "");
  fs.writeFileSync(target, text);
  console.log(to);
}
