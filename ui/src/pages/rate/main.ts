import { mount } from '../../lib/page'
import RatePage from './RatePage.vue'

mount(RatePage)
