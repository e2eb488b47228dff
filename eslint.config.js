// ESLint 9 flat config: JavaScript's and typescript-eslint's recommended rules everywhere, React's rules
// of hooks (and the React Compiler's checks) in the React code. Formatting is Prettier's (`npm run format`).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'storybook-static', 'coverage', 'node_modules'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `_name` marks a value left unused on purpose (a destructured-away prop, a callback argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/react/**/*.{ts,tsx}', 'src/components/**/*.{ts,tsx}', 'src/testing/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    // Tests, stories and benchmarks probe components from outside (counters, captured values): the
    // rules of hooks hold there, the compiler's purity rules do not apply.
    files: ['stories/**/*.{ts,tsx}', 'test/**/*.tsx', 'bench/**/*.tsx', '.storybook/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
);
