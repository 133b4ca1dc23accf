// Copies the pinned front-end builds from node_modules into static/vendor/.
// Run `npm install && npm run vendor` after changing a version in package.json; the copies are
// committed so that serving and testing never need Node or a CDN.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
];
for (const [from, to] of files) {
  const target = path.join(root, "static/vendor", to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Source maps are not shipped: drop the pointer so collectstatic's manifest does not look for them.
  const text = fs.readFileSync(path.join(root, "node_modules", from), "utf8")
    .replace(/\n?\/[*/]# sourceMappingURL=.*$/m, "");
  fs.writeFileSync(target, text);
  console.log(`static/vendor/${to}`);
}
