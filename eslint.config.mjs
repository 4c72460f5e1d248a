// ESLint (flat config): typescript-eslint's recommended rules and Effect's plugin, with
// the rules Effect's own repository sets. Formatting is dprint through @effect/eslint-plugin
// (`@effect/dprint`, 120 columns, Effect's settings); it runs only under `npm run format`
// (writes) and `npm run format:check`, so that `npm run lint` checks code, not layout.
import * as effect from "@effect/eslint-plugin"
import js from "@eslint/js"
import tseslint from "typescript-eslint"

const format = process.env.SERVICE_CLIENT_FORMAT === "1"

const dprint = {
  "@effect/dprint": [
    "error",
    {
      config: {
        indentWidth: 2,
        lineWidth: 120,
        semiColons: "asi",
        quoteStyle: "alwaysDouble",
        trailingCommas: "never",
        operatorPosition: "maintain",
        "arrowFunction.useParentheses": "force",
        // an index keeps its order: a JSDoc stays above the export it documents (docgen reads it there)
        "module.sortExportDeclarations": "maintain"
      }
    }
  ]
}

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/build/**",
      "**/node_modules/**",
      "docs/api/**",
      "**/*.md",
      "**/*.d.ts",
      "scripts/docs-context.ts",
      // what `service-client generate` writes, byte for byte (a test runs its --check on them)
      "packages/cli/test/generated/**"
    ]
  },
  { linterOptions: { reportUnusedDisableDirectives: "off" } },
  format
    ? {
      // only the layout: `npm run format` / `format:check`
      files: ["**/*.ts", "**/*.js", "**/*.mjs", "**/*.cjs"],
      languageOptions: { parser: tseslint.parser },
      // typescript-eslint registered too, so that a disable comment naming one of its rules is understood
      plugins: { "@effect": effect, "@typescript-eslint": tseslint.plugin },
      rules: dprint
    }
    : [
      js.configs.recommended,
      ...tseslint.configs.recommended,
      {
        files: ["**/*.ts", "**/*.js", "**/*.mjs", "**/*.cjs"],
        plugins: { "@effect": effect },
        languageOptions: {
          ecmaVersion: 2022,
          sourceType: "module",
          globals: {
            console: "readonly",
            process: "readonly",
            globalThis: "readonly",
            setTimeout: "readonly",
            clearTimeout: "readonly",
            setInterval: "readonly",
            clearInterval: "readonly",
            setImmediate: "readonly",
            queueMicrotask: "readonly",
            performance: "readonly",
            URL: "readonly",
            URLSearchParams: "readonly",
            TextEncoder: "readonly",
            TextDecoder: "readonly",
            AbortController: "readonly",
            AbortSignal: "readonly",
            Buffer: "readonly",
            fetch: "readonly",
            Response: "readonly",
            Request: "readonly",
            Headers: "readonly",
            structuredClone: "readonly",
            require: "readonly",
            module: "writable",
            __dirname: "readonly"
          }
        },
        rules: {
          "no-fallthrough": "off",
          "no-irregular-whitespace": "off",
          "object-shorthand": "error",
          // escaping and refusing control characters is part of the job: regexes name them
          "no-control-regex": "off",
          "no-unused-vars": "off",
          "require-yield": "off",
          "prefer-rest-params": "off",
          "prefer-spread": "off",
          "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
          "@typescript-eslint/no-non-null-assertion": "off",
          "@typescript-eslint/no-explicit-any": "off",
          "@typescript-eslint/no-empty-object-type": "off",
          "@typescript-eslint/no-unsafe-function-type": "off",
          "@typescript-eslint/no-wrapper-object-types": "off",
          "@typescript-eslint/no-namespace": "off",
          "@typescript-eslint/ban-ts-comment": "off",
          "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
          "@typescript-eslint/consistent-type-imports": "error",
          "@typescript-eslint/no-unused-expressions": "off"
        }
      },
      {
        // type-level tests: values declared only for their types
        files: ["**/*.types.ts"],
        rules: { "@typescript-eslint/no-unused-vars": "off" }
      },
      {
        files: ["**/*.cjs"],
        rules: { "@typescript-eslint/no-require-imports": "off" }
      },
      {
        // the packages' sources never print
        files: ["packages/*/src/**/*.ts"],
        rules: { "no-console": "error" }
      }
    ]
)
