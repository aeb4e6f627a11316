// Builds the portal's front-end assets into static/govuk/ from the pinned
// govuk-frontend package: the compiled stylesheet, the JavaScript module and
// the fonts and images. Nothing is fetched at run time.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "static", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "frontend", "custodian.scss"), {
  importers: [new sass.NodePackageImporter(root)],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(join(out, "custodian.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets"), join(out, "assets"), { recursive: true });

console.log(`Built GOV.UK Frontend assets into ${out}`);
