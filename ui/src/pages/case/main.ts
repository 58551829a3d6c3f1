import { mount } from '../../lib/page'
import CasePage from './CasePage.vue'

mount(CasePage)
