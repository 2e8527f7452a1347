// ESLint flat config: ESLint 10 + typescript-eslint 8 (non-type-checked "recommended") +
// eslint-plugin-import-x 4 with eslint-import-resolver-typescript. Nothing here is stylistic:
// formatting is Prettier's (.prettierrc.json). `npm run lint` runs this, `prettier --check` and tsc.
//
// Layout rules (environment.md, "Lint and format"; test/layout/boundaries.test.ts checks the same):
//   lib/          the library. Imports only relative lib/ files and npm packages, so it can be copied
//                 out as is; never "optbook" by name, never experiments/, notebooks/, scripts/, test/,
//                 bench/ (nor lib/experiments while that folder still exists).
//   experiments/  paper reproductions on the public API. Import only "optbook", "optbook/engine",
//                 sibling modules ("./x") and npm packages; never ../lib or another folder.
//   No import cycles in lib/ or experiments/ (import-x/no-cycle; type-only imports are erased at
//   run time and do not count).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

const noCycle = ["error", { ignoreExternal: true }];

/** lib/ → anything outside lib/ and node_modules/, by resolved path (relative or not). */
const libCopyable = {
  target: "./lib",
  from: ".",
  except: ["./lib", "./node_modules"],
  message: "lib/ must be copyable: it imports only relative lib/ files and npm packages.",
};
/** lib/ → lib/experiments (the old home of the experiment modules, while it exists). */
const libNotExperiments = {
  target: "./lib",
  from: "./lib/experiments",
  message: "the library may not import experiment modules (experiments depend on lib, not the reverse).",
};
/**
 * no-restricted-imports sees only static import/export-from; these catch `import("…")` and
 * `require("…")` with a literal specifier matching `regex` (an esquery regex: no "/" inside, use \x2F).
 */
const dynamicImports = (regex, message) => [
  { selector: `ImportExpression[source.value=/${regex}/]`, message },
  { selector: `CallExpression[callee.name="require"][arguments.0.value=/${regex}/]`, message },
];
const noSelfName = {
  group: ["optbook", "optbook/*"],
  message: 'lib/ imports its own files relatively ("./x", "../x"), never through the package name.',
};

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      "reports/",
      ".jupyter/",
      ".cache/",
      "dist/",
      "coverage/",
      ".venv*/",
      "**/*.ipynb",
      "**/.ipynb_checkpoints/",
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
    plugins: { "import-x": importX },
    settings: {
      // Resolves relative .ts imports and "optbook"/"optbook/…" through package.json "exports"
      // (self-reference), so no-cycle and no-restricted-paths see real files.
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json", alwaysTryTypes: true })],
      "import-x/extensions": [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"],
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      "import-x/no-absolute-path": "error",
      "import-x/no-self-import": "error",
      "import-x/no-duplicates": "error",
    },
  },

  // CommonJS helpers (scripts/pipeline/*.cjs).
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },

  // ---- lib/ ------------------------------------------------------------------------------------
  {
    files: ["lib/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "import-x/no-cycle": noCycle,
      "no-restricted-imports": ["error", { patterns: [noSelfName] }],
      "no-restricted-syntax": ["error", ...dynamicImports("^optbook($|\\x2F)", noSelfName.message)],
      "import-x/no-restricted-paths": ["error", { zones: [libCopyable, libNotExperiments] }],
    },
  },
  {
    // Transitional: lib/experiments/* may import each other and the rest of lib/ until they move.
    files: ["lib/experiments/**/*.ts"],
    rules: { "import-x/no-restricted-paths": ["error", { zones: [libCopyable] }] },
  },
  // By specifier, so that an unresolvable path is caught too: a file d folders below lib/ may not
  // climb d + 1 levels ("../" from lib/x.ts, "../../" from lib/engine/x.ts, …), and nothing in lib/
  // outside lib/experiments names an "experiments" folder.
  ...[0, 1, 2, 3].map((d) => {
    const escape = {
      regex: `^(\\./)?(\\.\\./){${d + 1}}`,
      message: "lib/ must be copyable: it imports only relative lib/ files and npm packages.",
    };
    const experiments = {
      regex: "(^|/)experiments(/|$)",
      message: "the library may not import experiment modules (experiments depend on lib, not the reverse).",
    };
    return {
      files: [`lib/${"*/".repeat(d)}*.ts`],
      ignores: ["lib/experiments/**"],
      rules: {
        "no-restricted-imports": ["error", { patterns: [noSelfName, escape, experiments] }],
        "no-restricted-syntax": [
          "error",
          ...dynamicImports("^optbook($|\\x2F)", noSelfName.message),
          ...dynamicImports(`^(\\.\\x2F)?(\\.\\.\\x2F){${d + 1}}`, escape.message),
          ...dynamicImports("(^|\\x2F)experiments(\\x2F|$)", experiments.message),
        ],
      },
    };
  }),
  ...[1, 2].map((d) => ({
    files: [`lib/experiments/${"*/".repeat(d - 1)}*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noSelfName,
            { regex: `^(\\./)?(\\.\\./){${d + 1}}`, message: "lib/ imports only lib/ files and npm packages." },
          ],
        },
      ],
      "no-restricted-syntax": ["error", ...dynamicImports("^optbook($|\\x2F)", noSelfName.message)],
    },
  })),

  // ---- experiments/ ----------------------------------------------------------------------------
  {
    files: ["experiments/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "import-x/no-cycle": noCycle,
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\.?/(.*/)?\\.\\.(/|$)|^\\.\\.(/|$)",
              message:
                'experiments import the public API ("optbook", "optbook/engine") or a sibling ("./x"), never ../lib or another folder.',
            },
            {
              regex: "^\\./(?!\\.\\.?/)[^/]+/",
              message: 'experiments import sibling modules only ("./x"), not nested folders.',
            },
            {
              regex: "^optbook/(?!engine$)",
              message: 'experiments may use only the documented entry points "optbook" and "optbook/engine".',
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        ...dynamicImports(
          "^\\x2F|\\.\\.|^optbook\\x2F(?!engine$)|^\\.\\x2F[^\\x2F]+\\x2F",
          'experiments import only "optbook", "optbook/engine", siblings ("./x") and npm packages.',
        ),
      ],
    },
  },

  // ---- tests, scripts, benchmarks, configs -----------------------------------------------------
  {
    files: ["test/**/*.ts", "scripts/**/*.ts", "bench/**/*.ts", "*.config.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "warn",
    },
  },
);
