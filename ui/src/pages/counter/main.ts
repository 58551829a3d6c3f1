import { mount } from '../../lib/page'
import CounterPage from './CounterPage.vue'

mount(CounterPage)
