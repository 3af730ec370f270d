/**
 * Random run names in MLflow's style (`adjective-noun-123`, at most 20 characters), given to runs
 * created without a name so every run has something readable to show.
 */

import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'able', 'agile', 'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cool', 'crisp',
  'daring', 'eager', 'fair', 'fast', 'gentle', 'glad', 'grand', 'happy', 'honest', 'keen',
  'kind', 'lively', 'loud', 'lucky', 'merry', 'mighty', 'neat', 'noble', 'polite', 'proud',
  'quick', 'quiet', 'rare', 'rich', 'shy', 'silent', 'sleek', 'smart', 'sunny', 'swift',
  'tidy', 'vast', 'warm', 'wise', 'witty', 'young', 'zesty',
];

const NOUNS = [
  'ant', 'bat', 'bear', 'bee', 'bird', 'boar', 'carp', 'cat', 'colt', 'crab',
  'crow', 'deer', 'doe', 'dove', 'duck', 'eel', 'elk', 'finch', 'fish', 'fox',
  'frog', 'goat', 'gull', 'hare', 'hawk', 'hen', 'horse', 'jay', 'koi', 'lark',
  'lion', 'lynx', 'mole', 'moth', 'mouse', 'newt', 'owl', 'ox', 'panda', 'pig',
  'ram', 'seal', 'shrew', 'sloth', 'snail', 'stork', 'swan', 'toad', 'trout', 'wolf',
  'worm', 'wren', 'yak', 'zebra',
];

const MAX_LENGTH = 20;

function pick(words: readonly string[]): string {
  return words[randomInt(words.length)]!;
}

/** A fresh `adjective-noun-number` name of at most 20 characters. */
export function generateRunName(): string {
  for (;;) {
    const name = `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`;
    if (name.length <= MAX_LENGTH) return name;
  }
}
