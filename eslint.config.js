import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.tap/', 'public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // The dashboard's browser modules (served as they are, no build step).
    files: ['public/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(['window', 'document', 'sessionStorage', 'fetch', 'URLSearchParams', 'FormData', 'CustomEvent']
        .map((name) => [name, 'readonly']))
    }
  }
)
