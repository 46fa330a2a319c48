// ESLint flat config: typescript-eslint's recommended rules everywhere, plus a few type-aware
// rules on the TypeScript sources and tests (each package's tsconfig.json, and test/tsconfig.json,
// found by the project service). Formatting is Prettier's job (.prettierrc), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tap/**', 'coverage/**', 'bench-results/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or handles: an unhandled rejection ends the process, and a test
      // that does not wait for its call asserts on a state that has not happened yet.
      // tap's t.test() returns a promise that tap itself waits for, so calling it bare is fine.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: 'test' }] },
      ],
      // An async function where a plain callback is expected (an event listener, a forEach) drops its rejection.
      '@typescript-eslint/no-misused-promises': 'error',
      // `await` on something that is not a promise is a misunderstanding of the API it calls.
      '@typescript-eslint/await-thenable': 'error',
      // Throwing or rejecting with non-Errors loses the stack and defeats `instanceof` checks on the caller's side.
      // Passing on a value of type unknown (a caught error, a callback's rejection) is forwarding, not making one.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // A type assertion that changes nothing hides the real type from the reader.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // A switch over a union (connection states, statuses) must say what it does with each member.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Type-only imports say so (`import type` or an inline `type`), so they vanish from the emitted JavaScript.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
);
