// ESLint for meshtop: typescript-eslint's recommended rules with type information, React hooks rules for the Ink
// components, and the few rules the code relies on (sequential awaits and dynamic deletes are reviewed, not banned).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'data/**', 'test/testbed/**', 'scripts/**']},
	js.configs.recommended,
	...tseslint.configs.recommendedTypeChecked,
	{
		languageOptions: {
			parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname},
		},
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		plugins: {'react-hooks': reactHooks},
		rules: {
			...reactHooks.configs.recommended.rules,
			'@typescript-eslint/no-dynamic-delete': 'error',
			'@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true}],
		},
	},
	{
		// Product code: a loop that awaits is usually requests that could run together; where order matters, say why.
		files: ['cli.tsx', 'source/**/*.{ts,tsx}'],
		ignores: ['source/sim/**'],
		rules: {'no-await-in-loop': 'error'},
	},
	{
		// node:test's test() and describe() return promises the runner itself awaits; fakes implement async interfaces
		// without awaiting; benchmarks and tests await one step after another on purpose.
		files: ['test/**/*.{ts,tsx}', 'bench/**/*.{ts,tsx}'],
		rules: {
			'@typescript-eslint/no-floating-promises': 'off',
			'@typescript-eslint/require-await': 'off',
		},
	},
	{
		// The simulated cluster is being reworked in parallel (it is not edited here); these findings are left to that work.
		files: ['source/sim/**'],
		rules: {
			'@typescript-eslint/no-dynamic-delete': 'off',
			'@typescript-eslint/no-base-to-string': 'off',
			'@typescript-eslint/no-unnecessary-type-assertion': 'off',
			'prefer-const': 'off',
		},
	},
	{
		// Suites another change is moving to a real API server: edited only where a rename forces it, so two findings wait.
		files: ['test/commands/status-set.test.ts', 'test/commands/preserve-fields.test.ts'],
		rules: {
			'@typescript-eslint/no-unnecessary-type-assertion': 'off',
			'@typescript-eslint/no-dynamic-delete': 'off',
		},
	},
	{
		files: ['eslint.config.js'],
		extends: [tseslint.configs.disableTypeChecked],
	},
);
