import * as a11yAddonAnnotations from '@storybook/addon-a11y/preview';
import { setProjectAnnotations } from '@storybook/react-vite';
import { beforeAll } from 'vitest';
import * as projectAnnotations from './preview.tsx';

// Stories run as tests with the catalog's own decorators and parameters, and with axe after each.
const annotations = setProjectAnnotations([a11yAddonAnnotations, projectAnnotations]);
beforeAll(annotations.beforeAll);
