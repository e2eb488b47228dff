import type { Decorator, Preview } from '@storybook/react-vite';
import '../src/components/styles.css';
import './catalog.css';

/** The theme toolbar sets data-theme on the story's frame, as an app would on a container. */
const withTheme: Decorator = (Story, context) => {
  const theme = (context.globals.theme as string | undefined) ?? 'light';
  return (
    // A story alone fills the canvas with its theme's surface; on a docs page, stories keep their own height.
    <div className="catalog-frame" data-theme={theme} data-view={context.viewMode}>
      <Story />
    </div>
  );
};

const preview: Preview = {
  tags: ['autodocs'],
  decorators: [withTheme],
  globalTypes: {
    theme: {
      description: 'Colour theme of the components',
      toolbar: { title: 'Theme', icon: 'mirror', items: ['light', 'dark'], dynamicTitle: true },
    },
  },
  initialGlobals: { theme: 'light' },
  parameters: {
    layout: 'padded',
    controls: { expanded: true },
    // Every story is checked with axe when tests run; a violation fails the run.
    a11y: { test: 'error' },
  },
};

export default preview;
